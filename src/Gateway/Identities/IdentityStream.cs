using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Connections;
using Odin.Shared.Notifications;
using Odin.Shared.Realtime;
using Odin.Shared.Redis;

namespace Odin.Gateway.Identities;

/// <summary>
/// One identity on this gateway, and the one owner of its notification state here: the subscription to its channel,
/// the newest seq delivered (a repeat is dropped, a gap is filled from the history), the notifications kept for its
/// connections that are replaying history, and the lock that orders all of it. The bus hands the identity's messages
/// over one at a time, in publish order; each notification is serialized once per protocol and put in each member's
/// <see cref="SendQueue"/> without waiting for any device.
/// </summary>
/// <remarks>
/// The lock is this identity's alone: a gap fill or a resume waits on Redis while holding it and delays only this
/// identity's own notifications. <see cref="IdentityStreams"/> creates a stream when the first device of its identity
/// connects here and retires it (unsubscribes) a linger after the last one left.
/// </remarks>
internal sealed partial class IdentityStream(Guid tenantId, Task previousUnsubscribe, IdentityStream.Services services)
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Dictionary<DeviceConnection, List<NotificationEnvelope>> _resuming = [];
    private readonly Lock _subscribing = new();
    private Task<IAsyncDisposable>? _subscription;
    private bool _retired;
    private long? _newest;
    private (Guid Id, TaskCompletionSource Heard)? _probe;

    /// <summary>What every stream of a gateway shares.</summary>
    internal sealed record Services(
        INotificationBus Bus, INotificationHistory History, LocalConnections Connections, SlowConsumers SlowConsumers,
        GatewayMetrics Metrics, TimeProvider Time, ILogger<IdentityStream> Logger);

    public Guid TenantId { get; } = tenantId;

    /// <summary>Connections of the identity held here (kept by <see cref="IdentityStreams"/>, under its lock).</summary>
    internal int Holders { get; set; }

    /// <summary>Running while no connection of the identity is here: ends the stream unless one comes back first (<see cref="IdentityStreams"/>'s).</summary>
    internal ITimer? Linger { get; set; }

    /// <summary>
    /// Completes once this gateway's subscription to the identity's channel is confirmed (the first call subscribes;
    /// after a failed attempt, the next call tries again). Only then may a device be told where the history ends: a
    /// notification published after that reaches this stream.
    /// </summary>
    public Task SubscribedAsync()
    {
        lock (_subscribing)
        {
            if (!_retired && _subscription is null or { IsFaulted: true } or { IsCanceled: true })
            {
                _subscription = SubscribeAsync();
            }

            return _subscription ?? Task.CompletedTask;
        }
    }

    /// <summary>Unsubscribes, for good: no device of the identity is here any more.</summary>
    public async Task RetireAsync()
    {
        Task<IAsyncDisposable>? subscription;
        lock (_subscribing)
        {
            (_retired, subscription, _subscription) = (true, _subscription, null);
        }

        try
        {
            if (subscription is not null)
            {
                await (await subscription).DisposeAsync();
            }
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            // Never subscribed, or Redis went away: a lost connection loses its subscriptions too.
        }
    }

    /// <summary>
    /// A device was told the history ends at <paramref name="lastSeq"/>. If this stream has not seen the identity's
    /// notifications yet, that is where it stands, so a notification it then misses is noticed as a gap. (Only the
    /// first: a later, higher head must not make it drop notifications still on their way.)
    /// </summary>
    public async Task KnowAsync(long lastSeq)
    {
        await _turn.WaitAsync();
        try
        {
            _newest ??= lastSeq;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>From now until <see cref="EndResumeAsync"/>, live notifications for <paramref name="connection"/> are kept, not sent.</summary>
    public async Task BeginResumeAsync(DeviceConnection connection)
    {
        await _turn.WaitAsync();
        try
        {
            _resuming[connection] = [];
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Live again: sends what was kept meanwhile and is newer than <paramref name="replayed"/>, under the lock, so no
    /// live notification overtakes them. Null: the resume failed, and the kept notifications are dropped.
    /// </summary>
    public async Task EndResumeAsync(DeviceConnection connection, long? replayed)
    {
        await _turn.WaitAsync();
        try
        {
            if (_resuming.Remove(connection, out var kept) && replayed is not null)
            {
                foreach (var notification in kept.Where(n => n.Seq > replayed))
                {
                    connection.Queue.TrySend(DeviceMessages.Notification(notification));
                }
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// After Redis failed: waits until this gateway hears its own probe on the identity's channel (the subscription
    /// is confirmed again, on whichever Redis now owns it), then fills from the history what was published meanwhile.
    /// </summary>
    public async Task CatchUpAsync(TimeSpan probeWait, CancellationToken stoppingToken)
    {
        while (!await ConfirmedAsync(probeWait))
        {
            if (_retired)
            {
                return;
            }

            await Task.Delay(probeWait, services.Time, stoppingToken); // Redis still away: try again
        }

        await _turn.WaitAsync(stoppingToken);
        try
        {
            if (_newest is { } newest)
            {
                var (epoch, last) = await services.History.HeadAsync(TenantId, stoppingToken);
                if (last > newest)
                {
                    await FillGapAsync(epoch, newest, last + 1);
                }
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task<IAsyncDisposable> SubscribeAsync()
    {
        await previousUnsubscribe; // an earlier stream of this identity must have left the channel first
        return await services.Bus.SubscribeAsync(TenantId, ReceiveAsync);
    }

    private async Task<bool> ConfirmedAsync(TimeSpan probeWait)
    {
        var probe = (Id: Guid.NewGuid(), Heard: new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_subscribing)
        {
            _probe = probe;
        }

        try
        {
            await SubscribedAsync();
            await services.Bus.PublishLiveAsync(LiveMessages.Probe(TenantId, probe.Id));
            await probe.Heard.Task.WaitAsync(probeWait, services.Time);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException || RedisFailures.Is(ex))
        {
            return false;
        }
    }

    /// <summary>The bus's handler: the identity's messages, one at a time, in publish order.</summary>
    private async Task ReceiveAsync(NotificationEnvelope envelope)
    {
        if (LiveMessages.IsProbe(envelope))
        {
            lock (_subscribing)
            {
                if (_probe is { } probe && probe.Id == envelope.Id)
                {
                    probe.Heard.TrySetResult();
                }
            }

            return;
        }

        await _turn.WaitAsync();
        try
        {
            if (envelope.Seq == 0)
            {
                TellOtherDevices(envelope);
                return;
            }

            if (_newest is { } newest)
            {
                if (envelope.Seq <= newest)
                {
                    return; // delivered already: a batch published again after a dispatcher crash
                }

                if (envelope.Seq > newest + 1)
                {
                    var (epoch, _) = await services.History.HeadAsync(TenantId);
                    await FillGapAsync(epoch, newest, envelope.Seq);
                }
            }

            Send(envelope);
            _newest = envelope.Seq;
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            // The gap could not be read: this notification waits with it. The next one, or the catch-up once Redis
            // is back, fills both from the history.
            LogGapUnfilled(services.Logger, TenantId, ex.Message);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>A presence change: to the identity's devices here, except the one it is about.</summary>
    private void TellOtherDevices(NotificationEnvelope presence)
    {
        var device = LiveMessages.DeviceOf(presence);
        SerializedHubMessage? message = null;
        foreach (var other in services.Connections.OfTenant(TenantId).Where(c => c.Identity.DeviceId != device))
        {
            other.Queue.TrySend(message ??= DeviceMessages.Notification(presence));
        }
    }

    private void Send(NotificationEnvelope envelope)
    {
        var group = envelope.DriveId is { } driveId ? HubGroups.Drive(TenantId, driveId) : HubGroups.Tenant(TenantId);
        SerializedHubMessage? message = null;
        var delivered = 0;
        foreach (var member in services.Connections.Members(group))
        {
            if (_resuming.TryGetValue(member, out var kept))
            {
                Keep(member, kept, envelope);
            }
            else if (member.Queue.TrySend(message ??= DeviceMessages.Notification(envelope)))
            {
                delivered++;
            }
        }

        services.Metrics.Delivered(delivered);
    }

    /// <summary>A connection that keeps more than its send queue may hold while it replays is a slow consumer, closed as one.</summary>
    private void Keep(DeviceConnection member, List<NotificationEnvelope> kept, NotificationEnvelope envelope)
    {
        if (kept.Count < services.SlowConsumers.Limit)
        {
            kept.Add(envelope);
        }
        else
        {
            services.SlowConsumers.Overflowed(member.ConnectionId, member.Queue);
        }
    }

    /// <summary>
    /// Sends the notifications after <paramref name="newest"/> and before <paramref name="before"/> from the history
    /// of <paramref name="epoch"/> (the current one, as the caller just read it), or <c>Resync</c> when it no longer
    /// holds them.
    /// </summary>
    private async Task FillGapAsync(string epoch, long newest, long before)
    {
        LogGap(services.Logger, TenantId, newest, before);
        var read = await services.History.ReadAsync(TenantId, epoch, newest);
        if (!read.Covered)
        {
            var resync = DeviceMessages.Resync($"Notifications after seq {newest} were missed and are no longer in the history: re-read /changes from your cursor.");
            foreach (var member in services.Connections.Members(HubGroups.Tenant(TenantId)))
            {
                member.Queue.TrySend(resync);
            }

            _newest = before - 1;
            return;
        }

        foreach (var missed in read.Entries.Where(n => n.Seq < before))
        {
            Send(missed);
            _newest = missed.Seq;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifications of {TenantId} after seq {Newest} and before {Before} did not arrive: filling the gap from the history")]
    private static partial void LogGap(ILogger logger, Guid tenantId, long newest, long before);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A gap in the notifications of {TenantId} could not be filled yet ({Reason}); the next notification or the catch-up fills it")]
    private static partial void LogGapUnfilled(ILogger logger, Guid tenantId, string reason);
}
