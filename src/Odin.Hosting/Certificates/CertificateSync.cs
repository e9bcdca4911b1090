using Odin.Shared.PubSub;

namespace Odin.Hosting.Certificates;

/// <summary>
/// Every instance: re-reads a domain's certificate when another instance announces a new one, and reloads all
/// every few minutes in case an announcement was lost (the broker is at most once).
/// </summary>
internal sealed partial class CertificateSync(CertificateStore store, IPubSubBroker broker, TimeProvider time, ILogger<CertificateSync> logger) : BackgroundService
{
    private static readonly TimeSpan FullReloadInterval = TimeSpan.FromMinutes(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        SubscriptionHost.HoldAsync(
            () => broker.SubscribeAsync(CertificateStore.Topic, domain => store.RefreshAsync(domain, stoppingToken)),
            "certificate changes", time, logger, stoppingToken),
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
                    await store.LoadAllAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
                {
                    LogReloadFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reloading certificates failed ({Reason}); trying again at the next interval")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
