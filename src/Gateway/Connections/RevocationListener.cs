using Odin.ClusterPrimitives.PubSub;
using Odin.ClusterPrimitives.Revocation;

namespace Odin.Gateway.Connections;

/// <summary>Closes this gateway's connections of a device, or of every device of an identity, as soon as any Hosting instance revokes it.</summary>
internal sealed partial class RevocationListener(
    DeviceRevocations revocations, LocalConnections connections, TimeProvider time, ILogger<RevocationListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        SubscriptionHost.HoldAsync(() => revocations.SubscribeAsync(OnRevokedAsync), "device revocations", time, logger, stoppingToken);

    private Task OnRevokedAsync(Revoked revoked)
    {
        var closed = revoked.DeviceId is { } device ? connections.Abort(device) : connections.AbortTenant(revoked.TenantId);
        if (closed > 0)
        {
            LogClosed(logger, closed, revoked.TenantId, revoked.DeviceId);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Count} connection(s) of identity {TenantId} (device {DeviceId}; none: every device)")]
    private static partial void LogClosed(ILogger logger, int count, Guid tenantId, Guid? deviceId);
}
