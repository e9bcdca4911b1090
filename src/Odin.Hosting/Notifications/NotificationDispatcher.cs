using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Odin.Shared.Realtime;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Publishes committed outbox rows to the device hub, each tenant's in seq order, then marks them
/// published. Delivery is at least once: a crash between publishing and marking re-publishes the batch,
/// and devices drop repeats by <see cref="NotificationEnvelope.Id"/> or seq.
/// </summary>
internal sealed partial class NotificationDispatcher(
    NotificationOutbox outbox,
    DispatchSignal signal,
    IHubContext<DeviceHub, IDeviceClient> hub,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishBatchAsync(stoppingToken) == options.Value.BatchSize)
                {
                    // a full batch: there may be more right away
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The rows stay pending and are retried on the next round.
                LogPublishFailed(logger, ex);
            }

            await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
        }
    }

    internal async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        var pending = await outbox.ReadPendingAsync(options.Value.BatchSize, cancellationToken);
        foreach (var notification in pending)
        {
            var envelope = notification.ToEnvelope();
            var group = envelope.DriveId is { } driveId ? HubGroups.Drive(envelope.TenantId, driveId) : HubGroups.Tenant(envelope.TenantId);
            await hub.Clients.Group(group).Notification(envelope);
        }

        if (pending.Count > 0)
        {
            await outbox.MarkPublishedAsync(pending, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        }

        return pending.Count;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing notifications failed; they stay in the outbox and are retried")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}
