namespace Odin.Client;

/// <summary>How long a device waits before it comes back: docs/api.md's back-off table.</summary>
internal static class Backoff
{
    /// <summary>After a drop, or <c>Reconnect</c> with no wait asked: uniform between 0 and the jitter.</summary>
    public static TimeSpan AfterDrop(TimeSpan jitter) => Uniform(jitter);

    /// <summary>After <c>Reconnect(reason, retryAfter)</c> with a wait: that wait plus up to as much again.</summary>
    public static TimeSpan AfterRetryAfter(TimeSpan retryAfter) => retryAfter + Uniform(retryAfter);

    /// <summary>After the <paramref name="failures"/>th failed attempt in a row: "full jitter", up to min(max, 1 s × 2ⁿ).</summary>
    public static TimeSpan AfterFailure(int failures, TimeSpan max) =>
        Uniform(TimeSpan.FromTicks(Math.Min(max.Ticks, TimeSpan.FromSeconds(1).Ticks << Math.Min(failures, 20))));

    private static TimeSpan Uniform(TimeSpan upTo) => TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * upTo.Ticks));
}
