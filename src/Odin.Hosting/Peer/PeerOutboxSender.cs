using Microsoft.Extensions.Options;
using Odin.Hosting.Common;

namespace Odin.Hosting.Peer;

/// <summary>
/// Runs on every instance: pops due transfers (popstamp) and delivers each to its recipient; delivered,
/// retried with back-off, or failed for good. Safe everywhere: a popped row belongs to one instance. Rows
/// popped by an instance that then died are freed by <see cref="PeerReconciliation"/>.
/// </summary>
internal sealed partial class PeerOutboxSender(
    PeerOutbox outbox, PeerClient client, PeerOutboxSignal signal, PeerMetrics metrics, IOptions<PeerOptions> options, TimeProvider time,
    ILogger<PeerOutboxSender> logger) : WorkLoop(signal, time, logger)
{
    protected override TimeSpan PollInterval => options.Value.PollInterval;

    protected override async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        var popped = await outbox.PopAsync(cancellationToken);
        await Parallel.ForEachAsync(popped, cancellationToken, async (transfer, ct) => await SendAsync(transfer, ct));
        return popped.Count > 0;
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
}
