using System.Diagnostics;
using Odin.ClusterPrimitives.Observability;
using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Connections;
using Odin.ClusterPrimitives.Notifications;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;

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
/// connects here and retires it (unsubscribes) a linger after the last one left; a retired stream sends nothing more.
/// </remarks>
internal sealed partial class IdentityStream(Guid tenantId, Task previousUnsubscribe, IdentityStream.Services services)
{
    /// <summary>Probes sent and not heard back, with Redis answering, before the subscription is made anew.</summary>
    private const int UnheardProbesBeforeResubscribing = 3;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Dictionary<DeviceConnection, List<NotificationEnvelope>> _resuming = [];
    private readonly Lock _subscribing = new();
    private Task<IAsyncDisposable>? _subscription;
    private volatile bool _retired;
    private long? _newest;
    private (Guid Id, TaskCompletionSource Heard)? _probe;

    /// <summary>What every stream of a gateway shares.</summary>
    /// <param name="CatchUpLater">Asks for <see cref="CatchUpAsync"/> of a stream (which Redis failed during a gap fill).</param>
    internal sealed record Services(
        INotificationBus Bus, INotificationHistory History, LocalConnections Connections, SlowConsumers SlowConsumers,
        GatewayMetrics Metrics, TimeProvider Time, ILogger<IdentityStream> Logger, Action<IdentityStream> CatchUpLater);

    /// <summary>This identity's lock, held until disposed.</summary>
    private readonly struct Turn(SemaphoreSlim turn) : IDisposable
    {
        public void Dispose() => turn.Release();
    }

    private enum Probe
    {
        Heard,
        NotHeard,
        NotSent,
    }

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

        await UnsubscribeAsync(subscription);
    }

    /// <summary>
    /// A device was told the history ends at <paramref name="lastSeq"/>. If this stream has not seen the identity's
    /// notifications yet, that is where it stands, so a notification it then misses is noticed as a gap. (Only the
    /// first: a later, higher head must not make it drop notifications still on their way.)
    /// </summary>
    public async Task KnowAsync(long lastSeq)
    {
        using (await TakeTurnAsync())
        {
            _newest ??= lastSeq;
        }
    }

    /// <summary>From now until <see cref="EndResumeAsync"/>, live notifications for <paramref name="connection"/> are kept, not sent.</summary>
    public async Task BeginResumeAsync(DeviceConnection connection)
    {
        using (await TakeTurnAsync())
        {
            _resuming[connection] = [];
        }
    }

    /// <summary>
    /// Live again, under the lock so that no live notification overtakes: sends what was kept meanwhile and is newer than
    /// <paramref name="replayedThrough"/> (the newest seq the replay covered), and from now on sends the connection
    /// nothing at or below it (a notification the replay sent may still be on its way here). Null: the resume failed
    /// (Redis); the device is told to re-read <c>/changes</c> instead, since live notifications may already have
    /// passed what it missed.
    /// </summary>
    public async Task EndResumeAsync(DeviceConnection connection, long? replayedThrough)
    {
        using (await TakeTurnAsync())
        {
            if (!_resuming.Remove(connection, out var kept))
            {
                return;
            }

            if (replayedThrough is not { } through)
            {
                connection.Queue.TrySend(DeviceMessages.Resync("The notification history could not be read to resume: re-read /changes from your cursor."));
                services.Metrics.Resynced(1);
                return;
            }

            connection.DeliveredThrough = through;
            foreach (var notification in kept.Where(n => n.Seq > through))
            {
                connection.Queue.TrySend(DeviceMessages.Notification(notification));
            }
        }
    }

    /// <summary>
    /// After Redis failed: waits until this gateway hears its own probe on the identity's channel (the subscription
    /// is confirmed again, on whichever Redis now owns it), then fills from the history what was published meanwhile.
    /// A subscription that Redis answers for but that never hears its probe (one a failover did not carry over) is
    /// made anew.
    /// </summary>
    public async Task CatchUpAsync(TimeSpan probeWait, CancellationToken stoppingToken)
    {
        for (var unheard = 0; ; )
        {
            var probe = await ProbeAsync(probeWait);
            if (probe == Probe.Heard || _retired)
            {
                break;
            }

            if (probe == Probe.NotHeard && ++unheard >= UnheardProbesBeforeResubscribing)
            {
                unheard = 0;
                await ResubscribeAsync();
            }

            await Task.Delay(probeWait, services.Time, stoppingToken); // Redis, or the resubscription, not back yet
        }

        using (await TakeTurnAsync(stoppingToken))
        {
            if (!_retired && _newest is { } newest)
            {
                var (epoch, last) = await services.History.HeadAsync(TenantId, stoppingToken);
                if (last > newest)
                {
                    await FillGapAsync(epoch, newest, last + 1);
                }
            }
        }
    }

    private async Task<IAsyncDisposable> SubscribeAsync()
    {
        // An earlier stream of this identity must have left the channel first (however that ended: it is over).
        await previousUnsubscribe.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await services.Bus.SubscribeAsync(TenantId, ReceiveAsync);
    }

    private async Task ResubscribeAsync()
    {
        Task<IAsyncDisposable>? old;
        lock (_subscribing)
        {
            (old, _subscription) = (_subscription, null);
        }

        await UnsubscribeAsync(old);
    }

    private static async Task UnsubscribeAsync(Task<IAsyncDisposable>? subscription)
    {
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

    private async Task<Probe> ProbeAsync(TimeSpan probeWait)
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
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            return Probe.NotSent;
        }

        try
        {
            await probe.Heard.Task.WaitAsync(probeWait, services.Time);
            return Probe.Heard;
        }
        catch (TimeoutException)
        {
            return Probe.NotHeard;
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

        using var turn = await TakeTurnAsync();
        try
        {
            if (_retired)
            {
                return; // left over in the queue when it unsubscribed: a newer stream serves the identity's devices
            }

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
            // The gap could not be read: this notification waits with it, for the catch-up (or the next notification)
            // to fill both from the history.
            LogGapUnfilled(services.Logger, TenantId, ex.Message);
            services.CatchUpLater(this);
        }
        catch (Exception ex)
        {
            // StackExchange.Redis would swallow it without a word.
            LogFailed(services.Logger, ex, TenantId, envelope.Seq);
        }
    }

    /// <summary>Takes this identity's lock; disposing the answer gives it back.</summary>
    private async Task<Turn> TakeTurnAsync(CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        return new Turn(_turn);
    }

    /// <summary>This identity's connections here (those of a newer stream of it excluded: this one may be retiring).</summary>
    private IEnumerable<DeviceConnection> Mine(IEnumerable<DeviceConnection> connections) => connections.Where(c => c.Stream == this);

    /// <summary>A presence change: to the identity's devices here, except the one it is about.</summary>
    private void TellOtherDevices(NotificationEnvelope presence)
    {
        var device = LiveMessages.DeviceOf(presence);
        SerializedHubMessage? message = null;
        foreach (var other in Mine(services.Connections.OfTenant(TenantId)).Where(c => c.Identity.DeviceId != device))
        {
            other.Queue.TrySend(message ??= DeviceMessages.Notification(presence));
        }
    }

    private void Send(NotificationEnvelope envelope)
    {
        var group = envelope.DriveId is { } driveId ? HubGroup.Drive(TenantId, driveId) : HubGroup.Tenant(TenantId);
        SerializedHubMessage? message = null;
        var delivered = 0;
        // Part of the notification's trace when it carries one (the bus started its receive span); otherwise nothing.
        using var fanOut = Activity.Current is null ? null : OdinTracing.Source.StartActivity("notification fan-out");
        fanOut?.SetTag("odin.seq", envelope.Seq);
        foreach (var member in Mine(services.Connections.Members(group)))
        {
            if (_resuming.TryGetValue(member, out var kept))
            {
                Keep(member, kept, envelope);
            }
            else if (envelope.Seq > member.DeliveredThrough)
            {
                using var send = fanOut is null ? null : OdinTracing.Source.StartActivity("notification send", ActivityKind.Producer);
                send?.SetTag("odin.connection", member.ConnectionId);
                if (member.Queue.TrySend(message ??= DeviceMessages.Notification(envelope)))
                {
                    delivered++;
                }
            }
        }

        services.Metrics.Delivered(delivered, envelope.At);
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
            var told = 0;
            foreach (var member in Mine(services.Connections.Members(HubGroup.Tenant(TenantId))))
            {
                member.Queue.TrySend(resync);
                told++;
            }

            services.Metrics.Resynced(told);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A gap in the notifications of {TenantId} could not be filled yet ({Reason}); it is filled once Redis answers")]
    private static partial void LogGapUnfilled(ILogger logger, Guid tenantId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {Seq} of {TenantId} could not be delivered")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid tenantId, long seq);
}
