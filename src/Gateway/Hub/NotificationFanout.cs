using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Connections;
using Odin.Shared.Notifications;
using Odin.Shared.PubSub;
using Odin.Shared.Realtime;
using StackExchange.Redis;

namespace Odin.Gateway.Hub;

/// <summary>
/// Delivers what the notification bus carries to this gateway's own connections: a drive notification to
/// the drive's subscribers, a tenant-wide one to every subscribed device of the tenant. The bus hands over each
/// shard's notifications one at a time, so every connection gets its tenant's notifications in seq order. Each
/// notification is serialized once per protocol and put in each member's <see cref="SendQueue"/> without waiting
/// for any device. A connection that is replaying history keeps the notification for after its replay.
/// </summary>
/// <remarks>
/// Pub/sub is at most once: while this gateway's subscription is being restored (Redis came back) it can miss
/// notifications the dispatchers publish. So it remembers each identity's newest seq: a repeat (a batch published
/// again) is dropped, and a gap is filled from the history before the notification that revealed it (or, if the
/// history no longer covers it, the identity's devices are told to <c>Resync</c>). When Redis comes back it looks
/// for gaps at once instead of waiting for the next notification.
/// </remarks>
internal sealed partial class NotificationFanout(
    INotificationBus bus,
    INotificationHistory history,
    LocalConnections connections,
    ShardGate gate,
    GatewayMetrics metrics,
    IServiceProvider services,
    TimeProvider time,
    ILogger<NotificationFanout> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, long> _newest = new();

    /// <summary>
    /// A device of <paramref name="tenantId"/> subscribed here and was told the history ends at
    /// <paramref name="lastSeq"/>: if this gateway has not seen the identity yet, that is where it stands, so a
    /// notification it then misses is noticed as a gap. (Only the first: a later, higher head must not make this
    /// gateway drop notifications still on their way to devices subscribed earlier.) Under the shard's lock, as
    /// the fan-out forgets an identity none of whose devices is here any more.
    /// </summary>
    public async Task KnowAsync(Guid tenantId, long lastSeq)
    {
        using var shard = await gate.EnterAsync(tenantId);
        _newest.TryAdd(tenantId, lastSeq);
    }

    /// <summary>Identities whose newest seq this gateway keeps (those with a device here, or with one recently).</summary>
    internal int IdentitiesCounted => _newest.Count;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IConnectionMultiplexer>() is { } redis)
        {
            redis.ConnectionRestored += (_, _) => _ = CatchUpAsync(stoppingToken);
        }

        return SubscriptionHost.HoldAsync(() => bus.SubscribeAsync(DeliverAsync), "the notification bus", time, logger, stoppingToken);
    }

    private async Task DeliverAsync(NotificationEnvelope envelope)
    {
        using var shard = await gate.EnterAsync(envelope.TenantId);
        if (!connections.HoldsDevicesOf(envelope.TenantId))
        {
            // Nobody of this identity here: nothing to deliver or to keep count for (a device that subscribes
            // later starts the count again from the head it is told).
            _newest.TryRemove(envelope.TenantId, out _);
            return;
        }

        var known = _newest.TryGetValue(envelope.TenantId, out var newest);
        if (known && envelope.Seq <= newest)
        {
            return; // delivered already: a batch published again after a dispatcher crash
        }

        if (known && envelope.Seq > newest + 1)
        {
            var (epoch, _) = await history.HeadAsync(envelope.TenantId);
            await FillGapAsync(envelope.TenantId, epoch, newest, envelope.Seq);
        }

        Send(envelope);
        _newest[envelope.TenantId] = envelope.Seq;
    }

    private void Send(NotificationEnvelope envelope)
    {
        var group = envelope.DriveId is { } driveId ? HubGroups.Drive(envelope.TenantId, driveId) : HubGroups.Tenant(envelope.TenantId);
        SerializedHubMessage? message = null;
        var delivered = 0;
        foreach (var member in connections.Members(group))
        {
            if (!member.TryBuffer(envelope) && member.Queue.TrySend(message ??= DeviceMessages.Notification(envelope)))
            {
                delivered++;
            }
        }

        metrics.Delivered(delivered);
    }

    /// <summary>
    /// Sends the notifications after <paramref name="newest"/> and before <paramref name="before"/> from the history
    /// of <paramref name="epoch"/> (the current one, as the caller just read it).
    /// </summary>
    private async Task FillGapAsync(Guid tenantId, string epoch, long newest, long before)
    {
        LogGap(logger, tenantId, newest, before);
        var read = await history.ReadAsync(tenantId, epoch, newest);
        if (!read.Covered)
        {
            var resync = DeviceMessages.Resync($"Notifications after seq {newest} were missed and are no longer in the history: re-read /changes from your cursor.");
            foreach (var member in connections.Members(HubGroups.Tenant(tenantId)))
            {
                member.Queue.TrySend(resync);
            }

            return;
        }

        foreach (var missed in read.Entries.Where(n => n.Seq < before))
        {
            Send(missed);
            _newest[tenantId] = missed.Seq;
        }
    }

    /// <summary>Redis is back: fill, from the history, what each identity with devices here may have missed meanwhile.</summary>
    private async Task CatchUpAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken); // let the subscriptions be restored first
            foreach (var (tenantId, newest) in _newest.ToArray())
            {
                if (!connections.HasMembers(HubGroups.Tenant(tenantId)))
                {
                    continue;
                }

                using var shard = await gate.EnterAsync(tenantId);
                var current = _newest.GetValueOrDefault(tenantId, newest);
                var (epoch, last) = await history.HeadAsync(tenantId, stoppingToken);
                if (last > current)
                {
                    await FillGapAsync(tenantId, epoch, current, last + 1);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || Odin.Shared.Redis.RedisFailures.Is(ex))
        {
            // stopping, or Redis went away again: the next notification reveals any gap
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifications of {TenantId} after seq {Newest} and before {Before} did not arrive: filling the gap from the history")]
    private static partial void LogGap(ILogger logger, Guid tenantId, long newest, long before);
}
