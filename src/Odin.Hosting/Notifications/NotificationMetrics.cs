using System.Diagnostics.Metrics;
using Odin.ClusterPrimitives.Observability;

namespace Odin.Hosting.Notifications;

/// <summary>Odin.Hosting's instruments (meter <c>Odin.Hosting</c>).</summary>
public sealed class NotificationMetrics
{
    public const string MeterName = "Odin.Hosting";

    private readonly Meter _meter;
    private readonly ExportedCount _published;
    private readonly ExportedCount _failures;
    private readonly ExportedCount _pruned;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchDuration;

    public NotificationMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(MeterName);
        _published = new ExportedCount(meter, "odin.notifications.published", "Notifications sent to the device hub (backplane)");
        _failures = new ExportedCount(meter, "odin.notifications.publish_failures", "Dispatch rounds that failed; their rows stay pending");
        _pruned = new ExportedCount(meter, "odin.outbox.pruned", "Published notifications deleted from the log once written more than the retention ago");
        _batchSize = meter.CreateHistogram<int>("odin.outbox.publish.batch_size", unit: "{notification}", description: "Notifications per published batch",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 50, 100, 250, 500, 1000, 5000] });
        _batchDuration = meter.CreateHistogram<double>("odin.outbox.publish.duration", unit: "s", description: "Time to hand one batch to the bus",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });
    }

    public void Published(int count, TimeSpan took)
    {
        _published.Add(count);
        _batchSize.Record(count);
        _batchDuration.Record(took.TotalSeconds);
    }

    public void Failed() => _failures.Add();

    public void Pruned(int count) => _pruned.Add(count);

    /// <summary>The outbox's depth and lag, as <see cref="OutboxMonitor"/> last read them.</summary>
    internal void Observe(OutboxMonitor monitor)
    {
        _meter.CreateObservableGauge("odin.outbox.depth", () => monitor.Latest.Depth, unit: "{notification}",
            description: "Unpublished notifications in the whole outbox (every instance reports the same table)");
        _meter.CreateObservableGauge("odin.outbox.oldest_age", () => monitor.Latest.OldestAge.TotalSeconds, unit: "s",
            description: "Age of the oldest unpublished notification in the whole outbox");
        _meter.CreateObservableGauge("odin.outbox.held_oldest_age", () => monitor.Latest.HeldOldestAge.TotalSeconds, unit: "s",
            description: "Age of the oldest unpublished notification in the shards this instance publishes");
        _meter.CreateObservableGauge("odin.outbox.shards_held", () => monitor.HeldShards, unit: "{shard}",
            description: "Outbox shards this instance publishes");
    }
}
