using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;
using Odin.Shared.Auth;
using Odin.Shared.Notifications;
using Odin.Shared.Realtime;
using Odin.Shared.Revocation;

namespace Odin.Gateway.Hub;

/// <summary>The device hub's behaviour: admission (token, revocation, limits), drive subscriptions, ping.</summary>
internal sealed partial class DeviceHubBehavior(
    IOptions<GatewayOptions> options,
    LocalConnections connections,
    ResumingConnections resuming,
    ShardGate gate,
    INotificationHistory history,
    PresenceTracker presence,
    NotificationFanout fanout,
    DeviceRevocations revocations,
    ConnectionRefusal refusal,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<DeviceHubBehavior> logger) : IDeviceHubBehavior
{
    public async Task OnConnectedAsync(Hub<IDeviceClient> hub)
    {
        var identity = hub.Context.User is { } user ? DeviceTokenClaims.Read(user) : null;
        if (identity is null)
        {
            // The token verified but does not have the device claims: not a device token.
            LogRefused(logger, hub.Context.ConnectionId, "no device claims");
            hub.Context.Abort();
            return;
        }

        if (await revocations.IsRevokedAsync(identity.DeviceId))
        {
            LogRefused(logger, hub.Context.ConnectionId, "device revoked");
            hub.Context.Abort();
            return;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await refusal.RefuseAsync(hub.Clients.Caller, hub.Context, GatewayDrain.Reason);
            return;
        }

        var limits = options.Value;
        var limitReached = connections.CountForDevice(identity.DeviceId) >= limits.MaxConnectionsPerDevice
            ? $"This device already holds {limits.MaxConnectionsPerDevice} connections to this gateway."
            : connections.CountForTenant(identity.TenantId) >= limits.MaxConnectionsPerTenant
                ? $"This identity already holds {limits.MaxConnectionsPerTenant} connections to this gateway."
                : null;
        if (limitReached is not null)
        {
            await refusal.RefuseAsync(hub.Clients.Caller, hub.Context, limitReached);
            return;
        }

        var connection = new DeviceConnection(hub.Context.ConnectionId, identity, new CallBudget(limits.HubCallsPerSecond, limits.HubCallBurst, time));
        connection.AttachTo(hub.Context);
        connections.Add(identity.TenantId, identity.DeviceId, hub.Context);
        await hub.Groups.AddToGroupAsync(hub.Context.ConnectionId, HubGroups.Tenant(identity.TenantId));
        connections.Joined(HubGroups.Tenant(identity.TenantId), subscription: false);
        await presence.ConnectedAsync(connection);
    }

    public async Task OnDisconnectedAsync(Hub<IDeviceClient> hub, Exception? exception)
    {
        if (DeviceConnection.Find(hub.Context) is { } connection)
        {
            resuming.Remove(connection);
            // SignalR drops a closed connection from its groups by itself; the counts follow.
            var tenant = connection.Identity.TenantId;
            connections.Left(HubGroups.Tenant(tenant), subscription: false);
            foreach (var driveId in connection.Subscriptions)
            {
                connections.Left(HubGroups.Drive(tenant, driveId), subscription: true);
            }

            connections.Remove(tenant, connection.Identity.DeviceId, hub.Context.ConnectionId);
            await presence.DisconnectedAsync(connection);
        }
    }

    public async Task<SubscribeResult> SubscribeAsync(Hub<IDeviceClient> hub, SubscribeRequest request)
    {
        var connection = DeviceConnection.Of(hub.Context);
        if (request?.DriveIds is null)
        {
            throw new HubException("Subscribe needs a request with driveIds.");
        }

        if (request.ResumeFrom is < 0)
        {
            throw new HubException("resumeFrom must be 0 or more.");
        }

        var tenant = connection.Identity.TenantId;
        if (request.ResumeFrom is not null)
        {
            // From here live notifications for this connection are kept, so none is lost while the history is read.
            connection.BeginResume();
            resuming.Add(connection);
        }

        var limit = options.Value.MaxSubscriptionsPerConnection;
        var accepted = new List<Guid>();
        var rejected = new List<Guid>();
        foreach (var driveId in request.DriveIds.Distinct())
        {
            var allowed = connection.Identity.CanRead(driveId)
                && (connection.IsSubscribed(driveId) || connection.SubscriptionCount < limit);
            if (!allowed)
            {
                rejected.Add(driveId);
                continue;
            }

            if (connection.Subscribe(driveId))
            {
                var group = HubGroups.Drive(tenant, driveId);
                await hub.Groups.AddToGroupAsync(hub.Context.ConnectionId, group);
                connections.Joined(group, subscription: true);
            }

            accepted.Add(driveId);
        }

        if (request.ResumeFrom is not { } resumeFrom)
        {
            var (epoch, lastSeq) = await history.HeadAsync(tenant);
            fanout.Know(tenant, lastSeq);
            return new SubscribeResult { Accepted = [.. accepted], Rejected = [.. rejected], Recovered = false, LastSeq = lastSeq, Epoch = epoch };
        }

        var read = await history.ReadAsync(tenant, request.Epoch, resumeFrom);
        fanout.Know(tenant, read.LastSeq);
        var caller = hub.Clients.Caller;
        var replayed = resumeFrom;
        if (read.Covered)
        {
            foreach (var missed in read.Entries.Where(connection.Receives))
            {
                await caller.Notification(missed);
                replayed = missed.Seq;
            }
        }
        else
        {
            await caller.Resync($"The notification history does not cover seq {resumeFrom} (epoch {request.Epoch ?? "none"}): re-read /changes from your cursor.");
        }

        // Live again. Under the shard's lock, so no live notification overtakes the ones kept meanwhile.
        using (await gate.EnterAsync(tenant))
        {
            resuming.Remove(connection);
            foreach (var kept in connection.EndResume().Where(n => n.Seq > replayed))
            {
                await caller.Notification(kept);
            }
        }

        return new SubscribeResult { Accepted = [.. accepted], Rejected = [.. rejected], Recovered = read.Covered, LastSeq = read.LastSeq, Epoch = read.Epoch };
    }

    public async Task UnsubscribeAsync(Hub<IDeviceClient> hub, Guid[] driveIds)
    {
        var connection = DeviceConnection.Of(hub.Context);
        if (driveIds is null)
        {
            throw new HubException("Unsubscribe needs a list of drive ids.");
        }

        foreach (var driveId in driveIds)
        {
            if (connection.Unsubscribe(driveId))
            {
                var group = HubGroups.Drive(connection.Identity.TenantId, driveId);
                await hub.Groups.RemoveFromGroupAsync(hub.Context.ConnectionId, group);
                connections.Left(group, subscription: true);
            }
        }
    }

    public Task<long> PingAsync(Hub<IDeviceClient> hub) => Task.FromResult(time.GetUtcNow().ToUnixTimeMilliseconds());

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} closed: {Reason}")]
    private static partial void LogRefused(ILogger logger, string connectionId, string reason);
}
