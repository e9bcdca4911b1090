using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Notifications;

/// <summary>Configuration section <c>Odin:Notifications</c>.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Odin:Notifications";

    /// <summary>
    /// How often the dispatcher looks for committed notifications it was not woken for (rows left by a
    /// restart or written by another instance). Default 500 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most notifications published per batch. Default 500.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;
}
