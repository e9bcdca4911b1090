using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;
using Odin.Gateway.Identities;
using Odin.ClusterPrimitives.Auth;
using Odin.ClusterPrimitives.Notifications;
using Odin.Contracts;
using Odin.ClusterPrimitives.Revocation;

namespace Odin.Gateway.Hub;

/// <summary>The device hub's behaviour: admission (token, revocation, limits), drive subscriptions, ping.</summary>
internal sealed partial class DeviceHubBehavior(
    IOptions<GatewayOptions> options,
    LocalConnections connections,
    DeviceLifetimeManager arriving,
    GatewayMetrics metrics,
    SlowConsumers slowConsumers,
    IdentityStreams streams,
    INotificationHistory history,
    PresenceTracker presence,
    DeviceRevocations revocations,
    ConnectionRefusal refusal,
    GatewayDrain drain,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<DeviceHubBehavior> logger)
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

        if (await revocations.IsRevokedAsync(identity.TenantId, identity.DeviceId))
        {
            LogRefused(logger, hub.Context.ConnectionId, "device or identity revoked");
            metrics.Refused(RefusalReason.Revoked);
            hub.Context.Abort();
            return;
        }

        if (drain.IsDraining || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await refusal.RefuseAsync(hub.Clients.Caller, hub.Context, GatewayDrain.Reason, RefusalReason.Draining);
            return;
        }

        var limits = options.Value;
        var budget = new CallBudget(limits.HubCallsPerSecond, limits.HubCallBurst, time);
        var connection = new DeviceConnection(arriving.Take(hub.Context.ConnectionId), identity, streams.Acquire(identity.TenantId), budget, slowConsumers);
        if (connections.TryAdd(connection, limits.MaxConnectionsPerDevice, limits.MaxConnectionsPerTenant) is { } limit)
        {
            streams.Release(connection.Stream);
            await (limit == ConnectionLimit.PerDevice
                ? refusal.RefuseAsync(hub.Clients.Caller, hub.Context, $"This device already holds {limits.MaxConnectionsPerDevice} connections to this gateway.", RefusalReason.DeviceLimit)
                : refusal.RefuseAsync(hub.Clients.Caller, hub.Context, $"This identity already holds {limits.MaxConnectionsPerTenant} connections to this gateway.", RefusalReason.IdentityLimit));
            return;
        }

        // Not awaited: presence is best effort and the device need not wait for it; its disconnect waits instead.
        connection.PresenceRecorded = presence.ConnectedAsync(connection);
    }

    public async Task OnDisconnectedAsync(Hub<IDeviceClient> hub, Exception? exception)
    {
        if (connections.Find(hub.Context.ConnectionId) is { } connection)
        {
            var tenant = connection.Identity.TenantId;
            if (connection.IsLive)
            {
                connections.Leave(HubGroup.Tenant(tenant), connection, subscription: false);
            }

            foreach (var driveId in connection.Subscriptions)
            {
                connections.Leave(HubGroup.Drive(tenant, driveId), connection, subscription: true);
            }

            connections.Remove(connection);
            streams.Release(connection.Stream);
            connection.Ended();
            await connection.PresenceRecorded; // so the removal cannot overtake the record
            await presence.DisconnectedAsync(connection);
        }
    }

    public async Task<SubscribeResult> SubscribeAsync(Hub<IDeviceClient> hub, SubscribeRequest request)
    {
        // The request's shape and ranges were checked as it was read (ExplainingHubProtocol).
        var connection = Of(hub.Context);
        var (tenant, stream) = (connection.Identity.TenantId, connection.Stream);
        if (request.ResumeFrom is not { } resumeFrom)
        {
            var (accepted, rejected) = Join(connection, request.DriveIds);
            // The head is read only once this gateway hears the identity's channel: nothing falls between the two.
            await stream.SubscribedAsync();
            var (epoch, lastSeq) = await history.HeadAsync(tenant);
            await stream.KnowAsync(lastSeq);
            return new SubscribeResult { Accepted = accepted, Rejected = rejected, Recovered = false, LastSeq = lastSeq, Epoch = epoch };
        }

        // From here live notifications for this connection are kept, so none is lost while the history is read.
        await stream.BeginResumeAsync(connection);
        long? replayedThrough = null; // null: the resume failed (the device is told to re-read)
        try
        {
            var (accepted, rejected) = Join(connection, request.DriveIds);
            await stream.SubscribedAsync();
            var read = await history.ReadAsync(tenant, request.Epoch, resumeFrom);
            await stream.KnowAsync(read.LastSeq);
            if (read.Covered)
            {
                foreach (var missed in read.Entries.Where(connection.Receives))
                {
                    // Waits for the device when the replay is longer than its send queue.
                    await connection.Queue.SendAsync(DeviceMessages.Notification(missed), hub.Context.ConnectionAborted);
                }

                replayedThrough = read.LastSeq;
            }
            else
            {
                metrics.Resynced(1);
                connection.Queue.TrySend(DeviceMessages.Resync(request.Epoch is null
                    ? $"A resume needs the epoch Subscribe answered with your cursor; without it, re-read /changes from your cursor ({resumeFrom})."
                    : $"The notification history no longer holds what came after seq {resumeFrom} in epoch {request.Epoch}: re-read /changes from your cursor ({resumeFrom})."));
                replayedThrough = resumeFrom;
            }

            return new SubscribeResult { Accepted = accepted, Rejected = rejected, Recovered = read.Covered, LastSeq = read.LastSeq, Epoch = read.Epoch };
        }
        finally
        {
            // Live again, with what was kept meanwhile and is newer than the replay.
            await stream.EndResumeAsync(connection, replayedThrough);
        }
    }

    /// <summary>Joins the drives the token grants (within the limit) and, on the first Subscribe, the identity's own group.</summary>
    private (Guid[] Accepted, Guid[] Rejected) Join(DeviceConnection connection, IEnumerable<Guid> driveIds)
    {
        var tenant = connection.Identity.TenantId;
        var limit = options.Value.MaxSubscriptionsPerConnection;
        var accepted = new List<Guid>();
        var rejected = new List<Guid>();
        foreach (var driveId in driveIds.Distinct())
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
                connections.Join(HubGroup.Drive(tenant, driveId), connection, subscription: true);
            }

            accepted.Add(driveId);
        }

        if (connection.GoLive())
        {
            // Notifications flow from the first Subscribe, so that a resuming device gets none before its replay.
            connections.Join(HubGroup.Tenant(tenant), connection, subscription: false);
        }

        return ([.. accepted], [.. rejected]);
    }

    public Task UnsubscribeAsync(Hub<IDeviceClient> hub, Guid[] driveIds)
    {
        var connection = Of(hub.Context); // driveIds was checked as it was read (ExplainingHubProtocol)
        foreach (var driveId in driveIds)
        {
            if (connection.Unsubscribe(driveId))
            {
                connections.Leave(HubGroup.Drive(connection.Identity.TenantId, driveId), connection, subscription: true);
            }
        }

        return Task.CompletedTask;
    }

    private DeviceConnection Of(HubCallerContext context) =>
        connections.Find(context.ConnectionId) ?? throw new HubException("The connection is not authenticated as a device.");

    public Task<long> PingAsync(Hub<IDeviceClient> hub) => Task.FromResult(time.GetUtcNow().ToUnixTimeMilliseconds());

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} closed: {Reason}")]
    private static partial void LogRefused(ILogger logger, string connectionId, string reason);
}
