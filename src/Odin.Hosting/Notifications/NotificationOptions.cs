using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Notifications;

/// <summary>Configuration section <c>Odin:Notifications</c>: the outbox and its dispatchers.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Odin:Notifications";

    /// <summary>
    /// How often a dispatcher looks at its shards for committed notifications it was not woken for (rows left by a
    /// restart, a lost wake-up). Default 500 ms. Idle, each instance costs one database transaction per interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most notifications one claim publishes (pipelined to Redis, marked with one statement). Default 500.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Shards the outbox is split into; each is published by one instance at a time (its lease holder), so this caps
    /// the instances that publish in parallel. Default 16, at most 4096. Changing it: set the new value on every
    /// instance; the count switches once every live instance asks for it, in one step that waits for the claims under
    /// way (docs/operations.md). Until then the instances keep the count in the database.
    /// </summary>
    [Range(1, OutboxSlots.Count)]
    public int Shards { get; set; } = 16;

    /// <summary>
    /// How long an instance's hold on its shards lasts without renewal (renewed every third of it): an instance that
    /// dies has its shards taken over within this. Default 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShardLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a published notification's row is kept, counted from when it was written (a row still to publish is
    /// never deleted). Default 1 hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the leader deletes what is past the retention. Default 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows one delete statement removes (deletes repeat until fewer remain). Default 5000.</summary>
    [Range(1, 1_000_000)]
    public int PruneBatchSize { get; set; } = 5000;

    /// <summary>
    /// An instance whose shards hold a notification committed longer ago than this and still unpublished reports
    /// Degraded at <c>/health/ready</c> (still 200: it keeps taking writes) and names the shards. Default 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LagBound { get; set; } = TimeSpan.FromSeconds(30);
}
