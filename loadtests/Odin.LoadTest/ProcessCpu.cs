using System.Globalization;

namespace Odin.LoadTest;

/// <summary>
/// A process's own CPU time (user + system), read from Linux's /proc: what a server spent, whatever else the
/// machine was doing — steadier than wall-clock rates on a shared machine.
/// </summary>
internal static class ProcessCpu
{
    /// <summary>/proc counts in USER_HZ ticks, which Linux fixes at 100 per second for user space.</summary>
    private const double TicksPerSecond = 100;

    public static TimeSpan Time(int pid) => TimeSpan.FromSeconds((StatField(pid, 14) + StatField(pid, 15)) / TicksPerSecond); // utime, stime

    /// <summary>Field <paramref name="number"/> (1-based, as <c>man proc</c> numbers them) of <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public static long StatField(int pid, int number)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The fields after the command name (the 2nd, in parentheses, may hold spaces) start with the 3rd.
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[number - 3], CultureInfo.InvariantCulture);
    }
}
