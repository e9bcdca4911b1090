using Microsoft.Extensions.Options;

namespace Odin.Hosting.LastSeen;

/// <summary>
/// Every instance tries every <see cref="LastSeenOptions.PruneInterval"/>; the prune itself runs under a
/// PostgreSQL advisory lock taken with try, so one instance deletes while the others skip. (Leader election,
/// when it lands, can take this over; the lock keeps it single meanwhile, and the delete is harmless twice.)
/// </summary>
internal sealed partial class LastSeenPruner(LastSeenStore store, IOptions<LastSeenOptions> options, TimeProvider time, ILogger<LastSeenPruner> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var cutoff = (time.GetUtcNow() - options.Value.Retention).ToUnixTimeMilliseconds();
                    if (await store.PruneAsync(cutoff, stoppingToken) is > 0 and var deleted)
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
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} last-seen times")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning last-seen times failed ({Reason}); trying again at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}
