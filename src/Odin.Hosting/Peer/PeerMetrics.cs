using System.Diagnostics.Metrics;
using Odin.ClusterPrimitives.Observability;
using Odin.Hosting.Notifications;

namespace Odin.Hosting.Peer;

/// <summary><c>odin_peer_delivered</c>, <c>odin_peer_attempts_failed</c>, <c>odin_peer_received</c>.</summary>
public sealed class PeerMetrics
{
    private readonly ExportedCount _delivered;
    private readonly ExportedCount _attemptFailed;
    private readonly ExportedCount _received;

    public PeerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(NotificationMetrics.MeterName);
        _delivered = new ExportedCount(meter, "odin.peer.delivered", "Transfers a recipient accepted");
        _attemptFailed = new ExportedCount(meter, "odin.peer.attempts_failed", "Delivery attempts that failed (retried, or given up)");
        _received = new ExportedCount(meter, "odin.peer.received", "Accepted transfers put into their drives");
    }

    public void Delivered() => _delivered.Add();

    public void AttemptFailed() => _attemptFailed.Add();

    public void Received() => _received.Add();
}
