namespace Odin.LoadTest;

/// <summary>A process's resident set and page faults, read from Linux's /proc.</summary>
internal static class ProcessMemory
{
    /// <summary>
    /// Minor page faults so far: mostly memory touched for the first time since it was committed, as when the GC's heap
    /// grows into new pages. Each costs the kernel (and, in a virtual machine, its host) time that lands in the process's CPU.
    /// </summary>
    public static long MinorFaults(int pid) => ProcessCpu.StatField(pid, 10); // minflt

    public static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
