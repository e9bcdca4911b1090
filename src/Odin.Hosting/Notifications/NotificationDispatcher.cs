using Microsoft.Extensions.Options;
using Odin.Shared.Notifications;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Runs on every instance: publishes committed outbox rows on the notification bus (in a cluster, Redis, to
/// every gateway), each tenant's in seq order, each row by one instance
/// (see <see cref="NotificationOutbox.PublishPendingAsync"/>). Delivery is at least once: a crash between publishing and marking re-publishes the batch,
/// and devices drop repeats by <see cref="NotificationEnvelope.Id"/> or seq.
/// </summary>
internal sealed partial class NotificationDispatcher(
    NotificationOutbox outbox,
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
        outbox.PublishPendingAsync(SendAsync, options.Value.BatchSize, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);

    private async Task SendAsync(IReadOnlyList<OutboxNotification> batch, CancellationToken cancellationToken)
    {
        foreach (var notification in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await bus.PublishAsync(notification.ToEnvelope());
        }

        metrics.Published(batch.Count);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing notifications failed; they stay in the outbox and are retried")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}
