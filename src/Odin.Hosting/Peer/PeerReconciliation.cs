using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Peer;

/// <summary>
/// Leader only: frees popstamp claims of instances that died mid-work (older than
/// <see cref="PeerOptions.ClaimTimeout"/>) in both boxes, and deletes finished transfers past their retention.
/// Each step is one conditional statement, harmless if two instances ran it; one instance runs it so that N
/// instances do not all scan the boxes.
/// </summary>
internal sealed partial class PeerReconciliation(
    IDatabase database, PeerOutbox outbox, ILeaderElection election, IOptions<PeerOptions> options, TimeProvider time, ILogger<PeerReconciliation> logger)
    : LeaderBackgroundService(election, time, logger)
{
    protected override async Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval, Time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await ReconcileAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
            {
                LogFailed(logger, ex.Message);
            }
        }
    }

    internal async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var claimedBefore = (now - options.Value.ClaimTimeout).ToUnixTimeMilliseconds();
        var freed = await PeerOutbox.Table.RecoverDeadAsync(database, claimedBefore, cancellationToken)
            + await PeerInbox.Table.RecoverDeadAsync(database, claimedBefore, cancellationToken);
        if (freed > 0)
        {
            LogRecovered(logger, freed);
        }

        await outbox.DeleteFinishedAsync((now - options.Value.Retention).ToUnixTimeMilliseconds(), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Freed {Count} peer transfer claims of instances that stopped mid-work")]
    private static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer reconciliation failed ({Reason}); trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, string reason);
}
