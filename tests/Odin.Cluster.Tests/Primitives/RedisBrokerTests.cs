using System.Collections.Concurrent;
using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.PubSub;
using Odin.ClusterPrimitives.Redis;
using Odin.Testing;
using StackExchange.Redis;

namespace Odin.Cluster.Tests.Primitives;

/// <summary>The cluster implementations on a real redis-server, each "instance" with its own connection.</summary>
public sealed class RedisBrokerTests : BrokerContract
{
    private readonly RedisServer _redis = new();
    private readonly RedisNames _names = new($"odin-{Guid.NewGuid():N}");
    private ConnectionMultiplexer _a = null!;
    private ConnectionMultiplexer _b = null!;

    protected override (IPubSubBroker A, IPubSubBroker B) Brokers => (new RedisPubSubBroker(_a, _names), new RedisPubSubBroker(_b, _names));

    protected override (INotificationBus A, INotificationBus B) Buses => (new RedisNotificationBus(_a, _names, HistoryOn(_a)), new RedisNotificationBus(_b, _names, HistoryOn(_b)));

    protected override INotificationHistory History => HistoryOn(_a);

    private RedisNotificationHistory HistoryOn(ConnectionMultiplexer redis) =>
        new(redis, _names, Microsoft.Extensions.Options.Options.Create(Retention), TimeProvider.System);

    public override async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _a = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _b = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public override async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Subscriptions_survive_a_Redis_restart()
    {
        var (a, b) = Brokers;
        var received = new ConcurrentQueue<string>();
        await using var subscription = await a.SubscribeAsync("restart", m => Enqueue(received, m));

        _redis.Kill();
        await Eventually.TrueAsync(() => !_a.IsConnected && !_b.IsConnected, "both connections to notice Redis is gone");
        await _redis.StartAsync();

        // Pub/sub is at most once: publish until the re-established subscription hears one, then it hears the rest.
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await b.PublishAsync("restart", "probe");
            }
            catch (RedisConnectionException)
            {
                return false;
            }

            return !received.IsEmpty;
        }, "the subscription to hear again after the restart", TimeSpan.FromSeconds(30));
        await b.PublishAsync("restart", "after");
        await Eventually.TrueAsync(() => received.Contains("after"), "the next message");
    }

    [Fact]
    public async Task An_identity_subscription_that_failed_while_Redis_was_down_leaves_nothing_subscribed_when_Redis_returns()
    {
        // As Odin connects: commands fail at once while Redis is down instead of waiting for it.
        var options = ConfigurationOptions.Parse(_redis.ConnectionString);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        await using var gateway = await ConnectionMultiplexer.ConnectAsync(options);
        var bus = new RedisNotificationBus(gateway, _names, HistoryOn(gateway));
        var (held, failed) = (Guid.NewGuid(), Guid.NewGuid());
        // ConnectAsync returns once the command connection is up; the subscription connection may still be connecting,
        // and with FailFast a subscription before it is would fail (seen in CI).
        await Eventually.TrueAsync(() => gateway.GetSubscriber().IsConnected(RedisChannel.Sharded(_names.IdentityChannel(held))),
            "the subscription connection to be up");
        await using var holding = await bus.SubscribeAsync(held, _ => Task.CompletedTask);

        _redis.Kill();
        await Eventually.TrueAsync(() => !gateway.IsConnected, "the connection to notice Redis is gone");
        await Assert.ThrowsAnyAsync<RedisException>(() => bus.SubscribeAsync(failed, _ => Task.CompletedTask));
        await _redis.StartAsync();

        // Once the subscription that was made is back on Redis, the one that failed must not be there with it
        // (StackExchange.Redis registers a queue before it sends SSUBSCRIBE, and restores what is registered).
        await Eventually.TrueAsync(async () => await ShardSubscribersAsync(held) == 1, "the subscription made before to be restored", TimeSpan.FromSeconds(30));
        Assert.Equal(0, await ShardSubscribersAsync(failed));

        // Subscribing again works, once, and unsubscribing leaves nothing.
        var subscription = await bus.SubscribeAsync(failed, _ => Task.CompletedTask);
        Assert.Equal(1, await ShardSubscribersAsync(failed));
        await subscription.DisposeAsync();
        Assert.Equal(0, await ShardSubscribersAsync(failed));
    }

    private async Task<long> ShardSubscribersAsync(Guid tenant)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var answer = (RedisResult[])(await admin.GetDatabase().ExecuteAsync("PUBSUB", "SHARDNUMSUB", _names.IdentityChannel(tenant)))!;
        return (long)answer[1];
    }
}
