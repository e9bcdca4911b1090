using Microsoft.Extensions.Options;

namespace Odin.Hosting.LastSeen;

/// <summary>
/// Runs on every instance: writes this instance's batch of sightings every
/// <see cref="LastSeenOptions.FlushInterval"/> and at shutdown. Safe everywhere at once because the upsert
/// only moves times forward.
/// </summary>
internal sealed partial class LastSeenFlusher(
    LastSeenTracker tracker, LastSeenStore store, IOptions<LastSeenOptions> options, TimeProvider time, ILogger<LastSeenFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down: flush what is left below
        }

        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = tracker.Drain();
        try
        {
            await store.FlushAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            // Put them back: the next flush tries again.
            tracker.Restore(batch);

            LogFlushFailed(logger, batch.Count, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flushing {Count} last-seen times failed ({Reason}); retrying at the next interval")]
    private static partial void LogFlushFailed(ILogger logger, int count, string reason);
}
