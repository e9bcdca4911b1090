using Microsoft.Extensions.Options;

namespace Odin.Hosting.Peer;

/// <summary>
/// Runs on every instance: pops due transfers (popstamp) and delivers each to its recipient; delivered,
/// retried with back-off, or failed for good. Safe everywhere: a popped row belongs to one instance.
/// </summary>
internal sealed partial class PeerOutboxSender(
    PeerOutbox outbox, PeerClient client, PeerOutboxSignal signal, PeerMetrics metrics, IOptions<PeerOptions> options, TimeProvider time,
    ILogger<PeerOutboxSender> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var popped = await outbox.PopAsync(stoppingToken);
                await Parallel.ForEachAsync(popped, stoppingToken, async (transfer, ct) => await SendAsync(transfer, ct));
                if (popped.Count > 0)
                {
                    continue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is System.Data.Common.DbException or TimeoutException)
            {
                LogDatabaseUnavailable(logger, ex.Message); // popped rows are freed by reconciliation after the claim timeout
            }

            await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
        }
    }

    private async Task SendAsync(OutgoingTransfer transfer, CancellationToken cancellationToken)
    {
        var result = await client.DeliverAsync(transfer, cancellationToken);
        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            await outbox.MarkDeliveredAsync(transfer, cancellationToken);
            metrics.Delivered();
            return;
        }

        metrics.AttemptFailed();
        LogAttemptFailed(logger, transfer.Id, transfer.Recipient, result.Error);
        await outbox.MarkAttemptFailedAsync(transfer, result.Error ?? "refused", permanent: result.Outcome == DeliveryOutcome.Refused, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transfer {Id} to {Recipient} was not delivered: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, Guid id, string recipient, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer sender cannot reach the database ({Reason}); trying again")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string reason);
}
