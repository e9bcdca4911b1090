using Odin.Shared.PubSub;

namespace Odin.Hosting.Tenants;

/// <summary>
/// Keeps this instance's <see cref="IdentityRegistry"/> in step with the others: re-reads a domain when
/// any instance announces a change, and reloads everything every <see cref="FullReloadInterval"/> in case
/// an announcement was lost (the broker is at most once, for example while Redis restarts).
/// </summary>
internal sealed partial class RegistrySync(IdentityRegistry registry, IPubSubBroker broker, TimeProvider time, ILogger<RegistrySync> logger)
    : BackgroundService
{
    public static readonly TimeSpan FullReloadInterval = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        SubscriptionHost.HoldAsync(
            () => broker.SubscribeAsync(IdentityRegistry.Topic, domain => registry.RefreshAsync(domain, stoppingToken)),
            "identity registry changes", time, logger, stoppingToken),
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
                    await registry.LoadAsync(stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reloading the identity registry failed ({Reason}); trying again at the next interval")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
