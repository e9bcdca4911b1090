namespace Odin.Hosting.Common;

/// <summary>
/// Lets one log line of a kind through per interval and counts the ones held back meanwhile, so that a fault that
/// recurs on every wake-up (Redis away while writes go on: a failed publish per commit) is logged once per interval,
/// with how often it recurred, instead of once per commit. For one loop: not thread-safe.
/// </summary>
public sealed class LogThrottle(TimeSpan interval, TimeProvider time)
{
    private long? _lastPassed;
    private int _held;

    /// <summary>
    /// True when the line may be written now, with <paramref name="held"/> the lines held back since the last one;
    /// false when one was written less than the interval ago (this one is counted).
    /// </summary>
    public bool TryPass(out int held)
    {
        var now = time.GetTimestamp();
        if (_lastPassed is { } last && time.GetElapsedTime(last, now) < interval)
        {
            _held++;
            held = 0;
            return false;
        }

        (held, _held, _lastPassed) = (_held, 0, now);
        return true;
    }
}
