using Microsoft.Extensions.Options;
using Odin.Hosting.Common;
using Odin.Hosting.Notifications;

namespace Odin.Hosting.Peer;

/// <summary>
/// Runs on every instance: pops accepted transfers (popstamp) and puts each into its drive
/// (<see cref="PeerInbox.ProcessAsync"/>). Safe everywhere: the popstamp gives a row to one instance, and the
/// commit is conditional on still holding it.
/// </summary>
internal sealed partial class PeerInboxProcessor(
    PeerInbox inbox, PeerInboxSignal signal, DispatchSignal dispatch, PeerMetrics metrics, IOptions<PeerOptions> options, TimeProvider time,
    ILogger<PeerInboxProcessor> logger) : WorkLoop(signal, time, logger)
{
    protected override TimeSpan PollInterval => options.Value.PollInterval;

    protected override async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        var popped = await inbox.PopAsync(cancellationToken);
        foreach (var transfer in popped)
        {
            await ProcessAsync(transfer, cancellationToken);
        }

        foreach (var tenant in popped.Select(t => t.TenantId).Distinct())
        {
            dispatch.Notify(tenant);
        }

        return popped.Count > 0;
    }

    private async Task ProcessAsync(IncomingTransfer transfer, CancellationToken cancellationToken)
    {
        try
        {
            if (await inbox.ProcessAsync(transfer, cancellationToken))
            {
                metrics.Received();
            }
        }
        catch (System.Data.Common.DbException ex)
        {
            // For example the drive went away meanwhile: count the attempt, try later, give up after a few.
            LogProcessingFailed(logger, transfer.TransferId, transfer.Sender, ex.Message);
            await inbox.ReleaseAsync(transfer, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transfer {TransferId} from {Sender} could not be put into its drive: {Reason}")]
    private static partial void LogProcessingFailed(ILogger logger, Guid transferId, string sender, string reason);
}
