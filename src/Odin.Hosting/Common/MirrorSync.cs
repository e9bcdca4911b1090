using Odin.ClusterPrimitives.PubSub;

namespace Odin.Hosting.Common;

/// <summary>
/// Keeps a per-instance mirror of database rows in step with the other instances: re-reads one key when any
/// instance announces a change of it on <see cref="Topic"/>, and reloads everything every
/// <see cref="FullReloadInterval"/> in case an announcement was lost (the broker is at most once, for example
/// while Redis restarts).
/// </summary>
public abstract partial class MirrorSync(IPubSubBroker broker, TimeProvider time, ILogger logger) : BackgroundService
{
    protected abstract string Topic { get; }

    /// <summary>What is mirrored, for the logs ("identity registry changes").</summary>
    protected abstract string What { get; }

    protected abstract TimeSpan FullReloadInterval { get; }

    protected abstract Task RefreshAsync(string key, CancellationToken cancellationToken);

    protected abstract Task LoadAllAsync(CancellationToken cancellationToken);

    protected sealed override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        SubscriptionHost.HoldAsync(() => broker.SubscribeAsync(Topic, key => RefreshAsync(key, stoppingToken)), What, time, logger, stoppingToken),
        ReloadPeriodicallyAsync(stoppingToken));

    private async Task ReloadPeriodicallyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FullReloadInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await LoadAllAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
                {
                    LogReloadFailed(logger, What, ex.Message);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogReloadFault(logger, What, ex); // any other fault: an exception that left the service would stop the host
                }
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reloading ({What}) failed ({Reason}); trying again at the next interval")]
    private static partial void LogReloadFailed(ILogger logger, string what, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reloading ({What}) failed; trying again at the next interval")]
    private static partial void LogReloadFault(ILogger logger, string what, Exception exception);
}
