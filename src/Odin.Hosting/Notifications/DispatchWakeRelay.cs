using System.Collections.Concurrent;
using Odin.ClusterPrimitives.PubSub;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Wakes the dispatcher that holds a committed change's shard: this instance's, or another's through the broker on
/// that instance's own topic, so a commit wakes one instance, not all of them. At most one wake-up per instance per
/// <see cref="MinimumGap"/>: a busy instance does not turn every write into a Redis message, and a lost wake-up only
/// costs the poll interval. An instance that takes shards wakes its own dispatcher.
/// </summary>
internal sealed partial class DispatchWakeRelay(
    DispatchSignal signal, OutboxShards shards, IPubSubBroker broker, TimeProvider time, ILogger<DispatchWakeRelay> logger) : BackgroundService
{
    public static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentDictionary<string, long> _lastWoken = new();

    /// <summary>The broker topic that wakes one instance's dispatcher.</summary>
    public static string TopicOf(string instance) => $"outbox-wake:{instance}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signal.Committed += Route;
        shards.Gained += signal.WakeLocal;
        stoppingToken.Register(() =>
        {
            signal.Committed -= Route;
            shards.Gained -= signal.WakeLocal;
        });
        return SubscriptionHost.HoldAsync(
            () => broker.SubscribeAsync(TopicOf(shards.Instance), _ =>
            {
                signal.WakeLocal();
                return Task.CompletedTask;
            }),
            "outbox wake-ups", time, logger, stoppingToken);
    }

    private void Route(Guid tenantId)
    {
        var owner = shards.OwnerOf(tenantId);
        if (owner is null || owner == shards.Instance)
        {
            signal.WakeLocal(); // ours, or nobody's right now (the one who takes it looks at once)
            return;
        }

        if (_lastWoken.Count > 1000)
        {
            _lastWoken.Clear(); // instances come and go (each start is a new name): forget the gone ones now and then
        }

        var now = time.GetTimestamp();
        var last = _lastWoken.GetOrAdd(owner, 0);
        if ((last != 0 && time.GetElapsedTime(last, now) < MinimumGap) || !_lastWoken.TryUpdate(owner, now, last))
        {
            return;
        }

        _ = WakeAsync(owner);
    }

    private async Task WakeAsync(string owner)
    {
        try
        {
            await broker.PublishAsync(TopicOf(owner), "");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWakeFailed(logger, owner, ex.Message); // its poll picks the rows up
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not wake the dispatcher of {Owner} ({Reason})")]
    private static partial void LogWakeFailed(ILogger logger, string owner, string reason);
}
