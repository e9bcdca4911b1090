using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Caching;

/// <summary>Configuration section <c>Odin:Cache</c>. Every default is chosen for per-request lookups.</summary>
public sealed class Level1CacheOptions
{
    public const string Section = "Odin:Cache";

    /// <summary>
    /// How long an entry is fresh. Default 5 minutes: entries are removed on every change anyway (and, in a
    /// cluster, on every instance through the backplane), so this only bounds staleness if an invalidation is lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long an expired entry may still be served when the database cannot answer (fail-safe). Default
    /// 1 hour: a database hiccup must not turn into refused requests.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan FailSafeMaxDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a "does not exist" answer is kept. Default 2 s: short, so that random ids cost little memory
    /// and something created a moment later is found soon.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan NegativeDuration { get; set; } = TimeSpan.FromSeconds(2);
}
