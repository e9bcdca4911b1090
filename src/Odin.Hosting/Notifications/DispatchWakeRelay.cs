using Odin.Shared.PubSub;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Wakes the dispatchers of the other instances when a change commits here, over the broker, so a shard
/// another instance is publishing at that moment is picked up at once rather than at the next poll. At
/// most one announcement per <see cref="MinimumGap"/>: a busy instance does not turn every write into a
/// Redis message, and a lost announcement only costs the poll interval.
/// </summary>
internal sealed partial class DispatchWakeRelay(DispatchSignal signal, IPubSubBroker broker, TimeProvider time, ILogger<DispatchWakeRelay> logger)
    : BackgroundService
{
    public const string Topic = "outbox-committed";

    public static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(20);

    private long _lastAnnounced;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signal.Committed += Announce;
        stoppingToken.Register(() => signal.Committed -= Announce);
        return SubscriptionHost.HoldAsync(
            () => broker.SubscribeAsync(Topic, _ =>
            {
                signal.WakeLocal();
                return Task.CompletedTask;
            }),
            "outbox wake-ups", time, logger, stoppingToken);
    }

    private void Announce()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastAnnounced);
        if (time.GetElapsedTime(last, now) < MinimumGap || Interlocked.CompareExchange(ref _lastAnnounced, now, last) != last)
        {
            return;
        }

        _ = PublishAsync();
    }

    private async Task PublishAsync()
    {
        try
        {
            await broker.PublishAsync(Topic, "");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAnnounceFailed(logger, ex.Message); // the others' polls pick the rows up
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not wake the other dispatchers ({Reason})")]
    private static partial void LogAnnounceFailed(ILogger logger, string reason);
}
