using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.LastSeen;

/// <summary>Configuration section <c>Odin:LastSeen</c>.</summary>
public sealed class LastSeenOptions
{
    public const string Section = "Odin:LastSeen";

    /// <summary>How often each instance writes its batch of sightings. Default 10 s: last-seen is coarse by nature.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);
}
