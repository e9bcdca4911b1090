using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.LastSeen;

/// <summary>Configuration section <c>Odin:LastSeen</c>.</summary>
public sealed class LastSeenOptions
{
    public const string Section = "Odin:LastSeen";

    /// <summary>How often each instance writes its batch of sightings. Default 10 s: last-seen is coarse by nature.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Times older than this are pruned. Default 180 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(180);

    /// <summary>How often an instance tries to prune (one at a time across the cluster). Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);
}
