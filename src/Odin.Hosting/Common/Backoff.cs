namespace Odin.Hosting.Common;

/// <summary>Exponential back-off: the wait after failed attempt <c>n</c> is <c>first × 2^(n-1)</c>, at most <c>max</c>.</summary>
public static class Backoff
{
    public static TimeSpan After(int attempt, TimeSpan first, TimeSpan max)
    {
        var doubled = first.Ticks * Math.Pow(2, Math.Min(Math.Max(attempt, 1) - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(doubled, max.Ticks));
    }
}
