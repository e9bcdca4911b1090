using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Connections;
using Odin.Shared.Notifications;
using Odin.Shared.PubSub;
using Odin.Shared.Realtime;

namespace Odin.Gateway.Hub;

/// <summary>
/// Delivers what the notification bus carries to this gateway's own connections: a drive notification to
/// the drive's subscribers, a tenant-wide one to every device of the tenant. The bus hands over each shard's
/// notifications one at a time, so every connection gets its tenant's notifications in seq order. SignalR
/// serializes each notification once per protocol for the whole group. A connection that is replaying history
/// (<see cref="ResumingConnections"/>) is left out and gets the notification kept for after its replay.
/// </summary>
internal sealed class NotificationFanout(
    INotificationBus bus,
    IHubContext<DeviceHub, IDeviceClient> hub,
    LocalConnections connections,
    ResumingConnections resuming,
    ShardGate gate,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<NotificationFanout> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        SubscriptionHost.HoldAsync(() => bus.SubscribeAsync(DeliverAsync), "the notification bus", time, logger, stoppingToken);

    private async Task DeliverAsync(NotificationEnvelope envelope)
    {
        var group = envelope.DriveId is { } driveId ? HubGroups.Drive(envelope.TenantId, driveId) : HubGroups.Tenant(envelope.TenantId);
        var members = connections.Members(group);
        if (members == 0)
        {
            return;
        }

        using var shard = await gate.EnterAsync(envelope.TenantId);
        var kept = resuming.Of(envelope.TenantId).Where(c => c.Receives(envelope) && c.TryBuffer(envelope)).Select(c => c.ConnectionId).ToList();
        await (kept.Count == 0 ? hub.Clients.Group(group) : hub.Clients.GroupExcept(group, kept)).Notification(envelope);
        metrics.Delivered(members - kept.Count);
    }
}
