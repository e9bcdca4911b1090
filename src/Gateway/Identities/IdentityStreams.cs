using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;
using Odin.Shared.Notifications;
using Odin.Shared.Redis;
using StackExchange.Redis;

namespace Odin.Gateway.Identities;

/// <summary>
/// The identities this gateway holds devices of, one <see cref="IdentityStream"/> each: this gateway is subscribed
/// to an identity's channel from its first device's connect until <see cref="GatewayOptions.IdentityLinger"/> after its
/// last device left, and to no other identity's. When a Redis connection fails, every stream confirms its
/// subscription again (its own probe comes back) and catches up from the history.
/// </summary>
internal sealed partial class IdentityStreams : BackgroundService
{
    /// <summary>How long a stream waits for its probe before it publishes another (Redis, or the resubscription, not back yet).</summary>
    private static readonly TimeSpan ProbeWait = TimeSpan.FromSeconds(2);

    /// <summary>Streams catching up at once after a Redis failure: each is a few round trips.</summary>
    private const int CatchUpParallelism = 64;

    private readonly Dictionary<Guid, IdentityStream> _streams = [];
    private readonly Dictionary<Guid, Task> _leaving = [];
    private readonly Lock _lock = new();
    private readonly Channel<bool> _catchUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly IdentityStream.Services _shared;
    private readonly IOptions<GatewayOptions> _options;
    private readonly IConnectionMultiplexer? _redis;
    private readonly ILogger<IdentityStreams> _logger;

    public IdentityStreams(
        INotificationBus bus, INotificationHistory history, LocalConnections connections, SlowConsumers slowConsumers, GatewayMetrics metrics,
        IOptions<GatewayOptions> options, IServiceProvider services, TimeProvider time, ILogger<IdentityStream> streamLogger, ILogger<IdentityStreams> logger)
    {
        _shared = new(bus, history, connections, slowConsumers, metrics, time, streamLogger);
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

            stream.Linger = _shared.Time.CreateTimer(_ => Expire(stream), null, linger, Timeout.InfiniteTimeSpan);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_redis is null)
        {
            return;
        }

        _redis.ConnectionFailed += (_, e) => CatchUpLater(e.ConnectionType);
        _redis.ConnectionRestored += (_, e) => CatchUpLater(e.ConnectionType);
        try
        {
            await foreach (var _ in _catchUps.Reader.ReadAllAsync(stoppingToken))
            {
                IdentityStream[] streams;
                lock (_lock)
                {
                    streams = [.. _streams.Values];
                }

                LogCatchingUp(_logger, streams.Length);
                await Parallel.ForEachAsync(
                    streams,
                    new ParallelOptions { MaxDegreeOfParallelism = CatchUpParallelism, CancellationToken = stoppingToken },
                    async (stream, token) => await CatchUpAsync(stream, token));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private async Task CatchUpAsync(IdentityStream stream, CancellationToken stoppingToken)
    {
        try
        {
            await stream.CatchUpAsync(ProbeWait, stoppingToken);
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            // Redis went away again: that failure queued another catch-up; the next notification reveals any gap too
        }
    }

    /// <summary>Subscriptions travel on the subscription connection: its failure may have lost messages.</summary>
    private void CatchUpLater(ConnectionType connection)
    {
        if (connection == ConnectionType.Subscription)
        {
            _catchUps.Writer.TryWrite(true);
        }
    }

    private void Expire(IdentityStream stream)
    {
        lock (_lock)
        {
            if (stream.Holders > 0 || stream.Linger is null)
            {
                return; // a device came back meanwhile
            }

            stream.Linger.Dispose();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "A Redis connection failed or came back: {Count} identities confirm their subscriptions and catch up from the history")]
    private static partial void LogCatchingUp(ILogger logger, int count);
}
