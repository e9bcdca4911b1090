using System.ComponentModel.DataAnnotations;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>
/// Configuration section <c>Odin:History</c>: how much of each identity's notification history is kept for
/// devices that resume (read by Odin.Hosting, which appends, and by the gateways, which replay).
/// </summary>
public sealed class HistoryOptions
{
    public const string Section = "Odin:History";

    /// <summary>
    /// Keep a history at all. Default on. Off: notifications are only published, every resume is answered with
    /// <c>Resync</c>, and a gateway that missed notifications tells devices to re-read (what the benchmark's
    /// history-off run measures).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Notifications kept per identity. Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int MaxLength { get; set; } = 1000;

    /// <summary>Notifications older than this are not replayed: a device away longer re-reads <c>/changes</c>. Default 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Most notifications one resume replays; a longer gap gets <c>Resync</c>. Default 1000.</summary>
    [Range(1, 100_000)]
    public int MaxReplay { get; set; } = 1000;
}
