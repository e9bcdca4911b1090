using System.Diagnostics.Metrics;

namespace Odin.Hosting.Notifications;

/// <summary>Odin.Hosting's instruments (meter <c>Odin.Hosting</c>).</summary>
public sealed class NotificationMetrics
{
    public const string MeterName = "Odin.Hosting";

    private readonly Counter<long> _published;
    private readonly Counter<long> _failures;

    public NotificationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _published = meter.CreateCounter<long>("odin.notifications.published", description: "Notifications sent to the device hub (backplane)");
        _failures = meter.CreateCounter<long>("odin.notifications.publish_failures", description: "Dispatch rounds that failed; their rows stay pending");
        // Exported from the first scrape, at 0, not from the first event.
        _published.Add(0);
        _failures.Add(0);
    }

    public void Published(int count) => _published.Add(count);

    public void Failed() => _failures.Add(1);
}
