using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Leader only: every <see cref="NotificationOptions.PruneInterval"/>, deletes from <c>notification_log</c> the
/// published notifications written more than <see cref="NotificationOptions.Retention"/> ago,
/// <see cref="NotificationOptions.PruneBatchSize"/> rows a statement until none is left, so the log stays as small as a
/// retention's worth of writes plus what is pending. Devices read <c>/changes</c> (the files), never this table, so
/// nothing a device needs goes with it.
/// </summary>
internal sealed partial class OutboxPruner(
    NotificationOutbox outbox, NotificationMetrics metrics, ILeaderElection election, IOptions<NotificationOptions> options, TimeProvider time,
    ILogger<OutboxPruner> logger) : LeaderBackgroundService(election, time, logger)
{
    protected override async Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, Time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                var pruned = await PruneAsync(cancellationToken);
                if (pruned > 0)
                {
                    LogPruned(logger, pruned);
                }
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
            {
                LogPruneFailed(logger, ex.Message);
            }
        }
    }

    /// <summary>One pass: deletes in batches what is past the retention; returns how many.</summary>
    internal async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var before = (Time.GetUtcNow() - options.Value.Retention).ToUnixTimeMilliseconds();
        var batch = options.Value.PruneBatchSize;
        var total = 0;
        int deleted;
        do
        {
            deleted = await outbox.PruneAsync(before, batch, cancellationToken);
            metrics.Pruned(deleted);
            total += deleted;
        }
        while (deleted == batch && !cancellationToken.IsCancellationRequested);

        return total;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted {Count} published notifications past the retention")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning the outbox failed ({Reason}); trying again at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}
