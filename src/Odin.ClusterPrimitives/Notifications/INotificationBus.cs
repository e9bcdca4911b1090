using Odin.Contracts;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>
/// Carries an identity's messages to the gateways that hold its devices, and only to them: one channel per
/// identity, subscribed by a gateway while it holds one of the identity's connections. Committed notifications
/// come from the Odin.Hosting dispatchers (in seq order); live messages (presence changes, a gateway's own
/// subscription probes) from the gateways. In-process for a single node, Redis sharded pub/sub for a cluster;
/// chosen once at start-up.
/// </summary>
public interface INotificationBus
{
    /// <summary>
    /// Publishes one committed notification on its identity's channel, after putting it in the history. Throws when
    /// it cannot be handed over (the caller keeps it pending).
    /// </summary>
    Task PublishAsync(NotificationEnvelope envelope);

    /// <summary>
    /// Publishes a batch as <see cref="PublishAsync"/> does each, without waiting for one before sending the next (Redis:
    /// pipelined on one connection, so each identity's keep their order). Answers, for each, null when it was handed over
    /// or the Redis failure that kept it (on a Redis Cluster one shard can be away while the others answer).
    /// </summary>
    /// <param name="traceParents">Each one's W3C trace context (null: untraced), which its receivers continue.</param>
    Task<IReadOnlyList<Exception?>> PublishBatchAsync(IReadOnlyList<NotificationEnvelope> batch, IReadOnlyList<string?>? traceParents = null);

    /// <summary>Publishes a live-only message (<c>seq = 0</c>) on its identity's channel: nothing goes into the history.</summary>
    Task PublishLiveAsync(NotificationEnvelope envelope);

    /// <summary>
    /// Calls <paramref name="handler"/> for every message of <paramref name="tenantId"/>, one at a time, in publish
    /// order, until the result is disposed. Completes once the subscription is confirmed: whatever is published
    /// after that reaches the handler.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(Guid tenantId, Func<NotificationEnvelope, Task> handler);
}
