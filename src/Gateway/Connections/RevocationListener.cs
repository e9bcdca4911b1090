using Odin.Shared.Revocation;

namespace Odin.Gateway.Connections;

/// <summary>Closes this gateway's connections of a device as soon as any Hosting instance revokes it.</summary>
internal sealed partial class RevocationListener(
    DeviceRevocations revocations, LocalConnections connections, TimeProvider time, ILogger<RevocationListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Subscribing needs the broker; with Redis down at start-up, keep trying (the subscription then
        // survives later reconnects by itself).
        IAsyncDisposable? subscription = null;
        while (subscription is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                subscription = await revocations.SubscribeAsync(OnRevokedAsync);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSubscribeFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to device revocations yet ({Reason}); retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);
}
