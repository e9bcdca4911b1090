using Odin.Shared.Realtime;
using Odin.Shared.Redis;
using StackExchange.Redis;

namespace Odin.Shared.Notifications;

/// <summary>
/// The cluster bus: one Redis pub/sub channel per shard. Redis delivers a channel's messages in publish
/// order and a <see cref="ChannelMessageQueue"/> hands them over one at a time, so a tenant's notifications
/// reach every gateway in seq order. Pub/sub is at most once: what a gateway misses while disconnected is
/// still in the database (<c>/changes</c>).
/// </summary>
/// <remarks>Each notification goes into its identity's history in the same script that publishes it (<see cref="RedisNotificationHistory"/>).</remarks>
public sealed class RedisNotificationBus(IConnectionMultiplexer redis, RedisNames names, RedisNotificationHistory history) : INotificationBus
{
    public Task PublishAsync(NotificationEnvelope envelope) => history.AppendAndPublishAsync(envelope, Channel(NotificationShards.Of(envelope.TenantId)));

    public async Task<IAsyncDisposable> SubscribeAsync(Func<NotificationEnvelope, Task> handler)
    {
        var subscriber = redis.GetSubscriber();
        var queues = new List<ChannelMessageQueue>();
        for (var shard = 0; shard < NotificationShards.Count; shard++)
        {
            var queue = await subscriber.SubscribeAsync(Channel(shard));
            queue.OnMessage(async message =>
            {
                if (NotificationWire.Read((byte[])message.Message!) is { } envelope)
                {
                    await handler(envelope);
                }
            });
            queues.Add(queue);
        }

        return new Subscription(queues);
    }

    private RedisChannel Channel(int shard) => RedisChannel.Literal(names.NotificationShard(shard));

    private sealed class Subscription(List<ChannelMessageQueue> queues) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var queue in queues)
            {
                await queue.UnsubscribeAsync();
            }
        }
    }
}
