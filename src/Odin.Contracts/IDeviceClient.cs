namespace Odin.Contracts;

/// <summary>Server → device messages. Method names are the wire names.</summary>
public interface IDeviceClient
{
    /// <summary>A notification for the tenant or a subscribed drive.</summary>
    Task Notification(NotificationEnvelope envelope);

    /// <summary>History cannot cover the gap: re-read <c>/changes</c> from your cursor.</summary>
    Task Resync(string reason);

    /// <summary>The gateway is draining: reconnect (to any gateway) after <paramref name="retryAfterMs"/>.</summary>
    Task Reconnect(string reason, int retryAfterMs);
}
