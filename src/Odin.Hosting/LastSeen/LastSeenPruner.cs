using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;

namespace Odin.Hosting.LastSeen;

/// <summary>
/// Leader only: prunes last-seen times older than the retention every <see cref="LastSeenOptions.PruneInterval"/>,
/// fenced with the term's token so a deposed leader's late prune is refused.
/// </summary>
internal sealed partial class LastSeenPruner(
    LastSeenStore store, ILeaderElection election, IOptions<LastSeenOptions> options, TimeProvider time, ILogger<LastSeenPruner> logger)
    : LeaderBackgroundService(election, time, logger)
{
    protected override async Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, Time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                var cutoff = (Time.GetUtcNow() - options.Value.Retention).ToUnixTimeMilliseconds();
                if (await store.PruneAsync(cutoff, term.FencingToken, cancellationToken) is > 0 and var deleted)
                {
                    LogPruned(logger, deleted);
                }
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
            {
                LogPruneFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} last-seen times")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning last-seen times failed ({Reason}); trying again at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}
