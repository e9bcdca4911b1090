using Microsoft.Extensions.Options;
using Odin.Hosting.Notifications;

namespace Odin.Hosting.Peer;

/// <summary>
/// Runs on every instance: pops accepted transfers (popstamp) and puts each into its drive
/// (<see cref="PeerInbox.ProcessAsync"/>). Safe everywhere: the popstamp gives a row to one instance, and the
/// commit is conditional on still holding it.
/// </summary>
internal sealed partial class PeerInboxProcessor(
    PeerInbox inbox, PeerInboxSignal signal, DispatchSignal dispatch, PeerMetrics metrics, IOptions<PeerOptions> options, TimeProvider time,
    ILogger<PeerInboxProcessor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var popped = await inbox.PopAsync(stoppingToken);
                foreach (var transfer in popped)
                {
                    await ProcessAsync(transfer, stoppingToken);
                }

                if (popped.Count > 0)
                {
                    dispatch.Notify();
                    continue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is System.Data.Common.DbException or TimeoutException)
            {
                LogDatabaseUnavailable(logger, ex.Message);
            }

            await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer inbox processor cannot reach the database ({Reason}); trying again")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string reason);
}
