using Odin.Shared.PubSub;
using Odin.Shared.Revocation;

namespace Odin.Gateway.Connections;

/// <summary>Closes this gateway's connections of a device as soon as any Hosting instance revokes it.</summary>
internal sealed partial class RevocationListener(
    DeviceRevocations revocations, LocalConnections connections, TimeProvider time, ILogger<RevocationListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        SubscriptionHost.HoldAsync(() => revocations.SubscribeAsync(OnRevokedAsync), "device revocations", time, logger, stoppingToken);

    private Task OnRevokedAsync(DeviceRevoked revoked)
    {
        var closed = connections.Abort(revoked.DeviceId);
        if (closed > 0)
        {
            LogClosed(logger, closed, revoked.DeviceId);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Count} connection(s) of revoked device {DeviceId}")]
    private static partial void LogClosed(ILogger logger, int count, Guid deviceId);
}
