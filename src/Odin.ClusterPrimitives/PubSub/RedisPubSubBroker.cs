using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.PubSub;

/// <summary>
/// The cluster broker on Redis pub/sub. StackExchange.Redis re-subscribes by itself after a reconnect,
/// so subscriptions survive a Redis restart; messages published while it was down are lost (at most once).
/// </summary>
public sealed class RedisPubSubBroker(IConnectionMultiplexer redis, RedisNames names) : IPubSubBroker
{
    public Task PublishAsync(string topic, string message) =>
        redis.GetSubscriber().PublishAsync(RedisChannel.Literal(names.Topic(topic)), message);

    public async Task<IAsyncDisposable> SubscribeAsync(string topic, Func<string, Task> handler)
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(names.Topic(topic)));
        // A channel message queue delivers in order, one at a time.
        queue.OnMessage(async message => await handler(message.Message!));
        return new Subscription(queue);
    }

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await queue.UnsubscribeAsync();
    }
}
