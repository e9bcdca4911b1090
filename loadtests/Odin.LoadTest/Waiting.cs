using System.Diagnostics;

namespace Odin.LoadTest;

/// <summary>The load driver's one way to wait for a condition: check it often, give up at the deadline (the report then says what is missing).</summary>
internal static class Waiting
{
    public static async Task UntilAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done() && deadline.Elapsed < timeout)
        {
            await Task.Delay(10);
        }
    }

    public static async Task UntilAsync(Func<bool> done, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!done() && deadline.Elapsed < timeout)
        {
            await Task.Delay(10);
        }
    }
}
