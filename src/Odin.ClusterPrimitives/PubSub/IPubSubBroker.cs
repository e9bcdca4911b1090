namespace Odin.ClusterPrimitives.PubSub;

/// <summary>
/// Messages that must cross instances (device revocation, registry changes, wake-ups). At most once:
/// a subscriber that is down or disconnected misses what was published meanwhile, so anything that
/// must not be lost is also in the database. Chosen once at start-up: in-process for a single node,
/// Redis for a cluster.
/// </summary>
public interface IPubSubBroker
{
    Task PublishAsync(string topic, string message);

    /// <summary>Calls <paramref name="handler"/> for every message on <paramref name="topic"/> until the result is disposed.</summary>
    Task<IAsyncDisposable> SubscribeAsync(string topic, Func<string, Task> handler);
}
