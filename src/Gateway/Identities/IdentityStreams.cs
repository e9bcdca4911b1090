using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;
using Odin.ClusterPrimitives.Notifications;
using StackExchange.Redis;

namespace Odin.Gateway.Identities;

/// <summary>
/// The identities this gateway holds devices of, one <see cref="IdentityStream"/> each: this gateway is subscribed
/// to an identity's channel from its first device's connect until <see cref="GatewayOptions.IdentityLinger"/> after its
/// last device left, and to no other identity's. When a Redis subscription connection fails (or comes back), every
/// stream confirms its subscription again (its own probe comes back) and catches up from the history; so does a
/// stream whose gap fill Redis refused.
/// </summary>
internal sealed partial class IdentityStreams : BackgroundService
{
    /// <summary>How long a stream waits for its probe before it publishes another (Redis, or the resubscription, not back yet).</summary>
    private static readonly TimeSpan ProbeWait = TimeSpan.FromSeconds(2);

    /// <summary>Streams catching up at once: each is a few round trips, and after a failover all of them want to.</summary>
    private const int CatchUpParallelism = 64;

    private readonly Dictionary<Guid, IdentityStream> _streams = [];
    private readonly Dictionary<Guid, Task> _leaving = [];
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _catchUpSlots = new(CatchUpParallelism);
    private readonly Dictionary<IdentityStream, bool> _catchingUp = []; // value: asked again while catching up
    private readonly IdentityStream.Services _shared;
    private readonly IOptions<GatewayOptions> _options;
    private readonly IConnectionMultiplexer? _redis;
    private readonly ILogger<IdentityStreams> _logger;
    private CancellationToken _stopping = CancellationToken.None;

    public IdentityStreams(
        INotificationBus bus, INotificationHistory history, LocalConnections connections, SlowConsumers slowConsumers, GatewayMetrics metrics,
        IOptions<GatewayOptions> options, IServiceProvider services, TimeProvider time, ILogger<IdentityStream> streamLogger, ILogger<IdentityStreams> logger)
    {
        _shared = new(bus, history, connections, slowConsumers, metrics, time, streamLogger, CatchUpLater);
        (_options, _logger) = (options, logger);
        _redis = services.GetService<IConnectionMultiplexer>(); // none on a single node: its bus cannot fail
        metrics.ObserveIdentities(() => Count);
    }

    /// <summary>Identities this gateway is subscribed to (those with a device here, or with one until a linger ago).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>A connection of <paramref name="tenantId"/> arrived: its identity's stream, subscribing if it is the first.</summary>
    public IdentityStream Acquire(Guid tenantId)
    {
        IdentityStream? stream;
        lock (_lock)
        {
            if (!_streams.TryGetValue(tenantId, out stream))
            {
                stream = new IdentityStream(tenantId, _leaving.GetValueOrDefault(tenantId, Task.CompletedTask), _shared);
                _streams[tenantId] = stream;
            }

            stream.Holders++;
            stream.Linger?.Dispose();
            stream.Linger = null;
        }

        // Started now, so presence events reach the device before it subscribes; Subscribe awaits it (and retries a failure).
        _ = stream.SubscribedAsync().ContinueWith(
            failed => LogSubscribeFailed(_logger, tenantId, failed.Exception!.GetBaseException().Message), TaskContinuationOptions.OnlyOnFaulted);
        return stream;
    }

    /// <summary>A connection of the stream's identity left: after the last one, the stream lingers, then ends.</summary>
    public void Release(IdentityStream stream)
    {
        lock (_lock)
        {
            if (--stream.Holders > 0)
            {
                return;
            }

            var linger = _options.Value.IdentityLinger;
            if (linger <= TimeSpan.Zero)
            {
                Retire(stream);
                return;
            }

            ITimer? timer = null;
            // The callback takes the lock, so it sees the timer assigned below even when it fires at once.
            timer = _shared.Time.CreateTimer(_ => Expire(stream, timer!), null, linger, Timeout.InfiniteTimeSpan);
            stream.Linger = timer;
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (_redis is not null)
        {
            _redis.ConnectionFailed += (_, e) => CatchUpAllLater(e.ConnectionType);
            _redis.ConnectionRestored += (_, e) => CatchUpAllLater(e.ConnectionType);
        }

        return Task.CompletedTask;
    }

    /// <summary>Subscriptions travel on the subscription connection: its failure may have lost messages of any identity.</summary>
    private void CatchUpAllLater(ConnectionType connection)
    {
        if (connection != ConnectionType.Subscription)
        {
            return;
        }

        IdentityStream[] streams;
        lock (_lock)
        {
            streams = [.. _streams.Values];
        }

        LogCatchingUp(_logger, streams.Length);
        foreach (var stream in streams)
        {
            CatchUpLater(stream);
        }
    }

    /// <summary>Starts the stream's catch-up, or, when it is catching up already, has it run once more afterwards.</summary>
    private void CatchUpLater(IdentityStream stream)
    {
        lock (_catchingUp)
        {
            if (_catchingUp.ContainsKey(stream))
            {
                _catchingUp[stream] = true;
                return;
            }

            _catchingUp[stream] = false;
        }

        _ = CatchUpAsync(stream);
    }

    private async Task CatchUpAsync(IdentityStream stream)
    {
        for (var again = true; again;)
        {
            try
            {
                await _catchUpSlots.WaitAsync(_stopping);
                try
                {
                    await stream.CatchUpAsync(ProbeWait, _stopping);
                }
                finally
                {
                    _catchUpSlots.Release();
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break; // shutting down
            }
            catch (Exception ex)
            {
                // Redis went away again (its failure asks for another catch-up), or a fault: the next notification of
                // the identity reveals any gap too.
                LogCatchUpFailed(_logger, stream.TenantId, ex.Message);
            }

            lock (_catchingUp)
            {
                again = _catchingUp[stream];
                if (again)
                {
                    _catchingUp[stream] = false;
                }
                else
                {
                    _catchingUp.Remove(stream);
                }
            }
        }
    }

    private void Expire(IdentityStream stream, ITimer timer)
    {
        lock (_lock)
        {
            if (stream.Holders > 0 || stream.Linger != timer)
            {
                return; // a device came back meanwhile (and maybe left again: a newer linger runs)
            }

            timer.Dispose();
            stream.Linger = null;
            Retire(stream);
        }
    }

    /// <summary>Under the lock: the stream leaves; a new stream of the identity subscribes only once it has unsubscribed.</summary>
    private void Retire(IdentityStream stream)
    {
        _streams.Remove(stream.TenantId);
        var left = stream.RetireAsync();
        _leaving[stream.TenantId] = left;
        _ = left.ContinueWith(_ =>
        {
            lock (_lock)
            {
                if (_leaving.TryGetValue(stream.TenantId, out var latest) && latest == left)
                {
                    _leaving.Remove(stream.TenantId);
                }
            }
        }, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the notifications of {TenantId} yet ({Reason}); its next Subscribe or the catch-up tries again")]
    private static partial void LogSubscribeFailed(ILogger logger, Guid tenantId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "A Redis subscription connection failed or came back: {Count} identities confirm their subscriptions and catch up from the history")]
    private static partial void LogCatchingUp(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The catch-up of {TenantId} stopped ({Reason}); the next failure or notification starts it again")]
    private static partial void LogCatchUpFailed(ILogger logger, Guid tenantId, string reason);
}
