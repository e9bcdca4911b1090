using System.Diagnostics;
using Microsoft.Extensions.Options;
using Odin.Shared.Notifications;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Runs on every instance: publishes the committed outbox rows of the shards this instance holds
/// (<see cref="OutboxShards"/>) on the notification bus, a batch at a time, each tenant's in seq order
/// (see <see cref="NotificationOutbox.PublishPendingAsync"/>). Delivery is at least once: a crash between publishing
/// and marking publishes the batch again, and gateways drop what they delivered already (by seq).
/// </summary>
internal sealed partial class NotificationDispatcher(
    NotificationOutbox outbox,
    OutboxShards shards,
    DispatchSignal signal,
    INotificationBus bus,
    IOptions<NotificationOptions> options,
    NotificationMetrics metrics,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishBatchAsync(stoppingToken) > 0)
                {
                    // rows were pending: there may be more right away
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The rows stay pending and are retried on the next round.
                metrics.Failed();
                LogPublishFailed(logger, ex);
            }

            await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
        }
    }

    internal Task<int> PublishBatchAsync(CancellationToken cancellationToken) =>
        outbox.PublishPendingAsync(shards.Held, SendAsync, options.Value.BatchSize, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);

    private async Task SendAsync(IReadOnlyList<OutboxNotification> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        await bus.PublishBatchAsync([.. batch.Select(n => n.ToEnvelope())]);
        metrics.Published(batch.Count, Stopwatch.GetElapsedTime(started));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing notifications failed; they stay in the outbox and are retried")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}
