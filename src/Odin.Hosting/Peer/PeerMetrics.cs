using System.Diagnostics.Metrics;
using Odin.Hosting.Notifications;

namespace Odin.Hosting.Peer;

/// <summary><c>odin_peer_delivered</c>, <c>odin_peer_attempts_failed</c>, <c>odin_peer_received</c>.</summary>
public sealed class PeerMetrics
{
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _attemptFailed;
    private readonly Counter<long> _received;

    public PeerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(NotificationMetrics.MeterName);
        _delivered = meter.CreateCounter<long>("odin.peer.delivered", description: "Transfers a recipient accepted");
        _attemptFailed = meter.CreateCounter<long>("odin.peer.attempts_failed", description: "Delivery attempts that failed (retried, or given up)");
        _received = meter.CreateCounter<long>("odin.peer.received", description: "Accepted transfers put into their drives");
        // Exported from the first scrape, at 0, not from the first event.
        _delivered.Add(0);
        _attemptFailed.Add(0);
        _received.Add(0);
    }

    public void Delivered() => _delivered.Add(1);

    public void AttemptFailed() => _attemptFailed.Add(1);

    public void Received() => _received.Add(1);
}
