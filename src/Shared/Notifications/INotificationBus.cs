using Odin.Shared.Realtime;

namespace Odin.Shared.Notifications;

/// <summary>
/// Carries committed notifications from the Odin.Hosting dispatchers to every gateway, each tenant's in
/// order (one channel per <see cref="NotificationShards">shard</see>). In-process for a single node, Redis
/// pub/sub for a cluster; chosen once at start-up.
/// </summary>
public interface INotificationBus
{
    /// <summary>Publishes one notification. Throws when it cannot be handed over (the caller keeps it pending).</summary>
    Task PublishAsync(NotificationEnvelope envelope);

    /// <summary>
    /// Calls <paramref name="handler"/> for every notification, one at a time per shard, in publish order.
    /// Stops when the result is disposed.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(Func<NotificationEnvelope, Task> handler);
}
