using System.Collections.Concurrent;
using Odin.Shared.Notifications;
using Odin.Shared.PubSub;
using Odin.Shared.Redis;
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
}
