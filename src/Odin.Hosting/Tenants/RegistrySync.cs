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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IAsyncDisposable? subscription = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    subscription ??= await broker.SubscribeAsync(IdentityRegistry.Topic, domain => registry.RefreshAsync(domain, stoppingToken));
                    await Task.Delay(FullReloadInterval, time, stoppingToken);
                    await registry.LoadAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSyncFailed(logger, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity registry sync failed ({Reason}); retrying")]
    private static partial void LogSyncFailed(ILogger logger, string reason);
}
