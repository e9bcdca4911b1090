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

    public static TimeSpan Time(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th, stime the 15th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
