using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;
using Odin.Gateway.Identities;
using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.Presence;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;

namespace Odin.Gateway.Hub;

/// <summary>
/// Presence, on every gateway: records this gateway's connections in the <see cref="IPresenceRegistry"/> (and
/// refreshes them, so a crashed gateway's entries expire), and tells an identity's other devices when one of its
/// devices connects or disconnects. Presence events are live only: <c>seq = 0</c>, not in the history. They go on
/// the identity's channel, so they reach only the gateways holding its devices; each sends them to its own
/// connections of the identity, except the device's own (<see cref="IdentityStream"/>).
/// </summary>
internal sealed partial class PresenceTracker(
    IPresenceRegistry registry, INotificationBus bus, LocalConnections connections,
    IOptions<GatewayOptions> options, TimeProvider time, ILogger<PresenceTracker> logger) : BackgroundService
{
    public Task ConnectedAsync(DeviceConnection connection) => ChangedAsync(connection, NotificationTypes.DeviceConnected);

    public Task DisconnectedAsync(DeviceConnection connection) => ChangedAsync(connection, NotificationTypes.DeviceDisconnected);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RefreshPeriodicallyAsync(stoppingToken);

    private async Task ChangedAsync(DeviceConnection connection, string type)
    {
        var online = new OnlineConnection(connection.Identity.DeviceId, connection.ConnectionId);
        try
        {
            await (type == NotificationTypes.DeviceConnected
                ? registry.SetAsync(connection.Identity.TenantId, [online])
                : registry.RemoveAsync(connection.Identity.TenantId, online));
            if (options.Value.PresenceEvents)
            {
                await bus.PublishLiveAsync(LiveMessages.Presence(connection.Identity.TenantId, connection.Identity.DeviceId, type, time));
            }
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            LogUnavailable(logger, ex.Message); // presence is best effort; the refresh records the connection later
        }
    }

    private async Task RefreshPeriodicallyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PresenceTiming.Refresh, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RefreshAsync();
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRefreshFailed(logger, ex); // an exception that left the service would stop the gateway
                }
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    private async Task RefreshAsync()
    {
        var byTenant = connections.All.GroupBy(c => c.Identity.TenantId).ToDictionary(
            tenant => tenant.Key,
            tenant => (IReadOnlyCollection<OnlineConnection>)[.. tenant.Select(c => new OnlineConnection(c.Identity.DeviceId, c.ConnectionId))]);
        var failed = await registry.RefreshAsync(byTenant);
        if (failed.Count > 0)
        {
            LogNotRefreshed(logger, failed.Count, byTenant.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Refreshing presence failed; the next refresh tries again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence could not be recorded ({Reason}); the next refresh tries again")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of {Failed} of {Count} identities could not be refreshed; the next refresh tries again")]
    private static partial void LogNotRefreshed(ILogger logger, int failed, int count);
}
