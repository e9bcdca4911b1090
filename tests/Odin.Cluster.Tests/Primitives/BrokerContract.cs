using System.Collections.Concurrent;
using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.PubSub;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Cluster.Tests.Primitives;

/// <summary>
/// What every <see cref="IPubSubBroker"/> and <see cref="INotificationBus"/> must do, run against the
/// in-process and the Redis implementation. "Instances" are separate broker objects (for Redis, separate
/// connections) that share one medium.
/// </summary>
public abstract class BrokerContract : IAsyncLifetime
{
    /// <summary>Two brokers as two instances of a deployment would have them.</summary>
    protected abstract (IPubSubBroker A, IPubSubBroker B) Brokers { get; }

    protected abstract (INotificationBus A, INotificationBus B) Buses { get; }

    /// <summary>The history bus A appends to, kept with <see cref="Retention"/>.</summary>
    protected abstract INotificationHistory History { get; }

    /// <summary>Small, so trimming shows: 3 notifications per identity.</summary>
    protected static HistoryOptions Retention { get; } = new() { MaxLength = 3, MaxReplay = 10 };

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    [Fact]
    public async Task Every_subscriber_on_every_instance_gets_every_message_of_its_topic_in_order()
    {
        var (a, b) = Brokers;
        var onA = new ConcurrentQueue<string>();
        var onB = new ConcurrentQueue<string>();
        var other = new ConcurrentQueue<string>();
        await using var subA = await a.SubscribeAsync("t1", m => Enqueue(onA, m));
        await using var subB = await b.SubscribeAsync("t1", m => Enqueue(onB, m));
        await using var subOther = await b.SubscribeAsync("t2", m => Enqueue(other, m));

        var sent = Enumerable.Range(0, 100).Select(i => $"m{i}").ToList();
        foreach (var message in sent)
        {
            await a.PublishAsync("t1", message);
        }

        await b.PublishAsync("t2", "elsewhere");
        await Eventually.TrueAsync(() => onA.Count == 100 && onB.Count == 100 && other.Count == 1, "every message on both instances");
        Assert.Equal(sent, onA);
        Assert.Equal(sent, onB);
        Assert.Equal(["elsewhere"], other);
    }

    [Fact]
    public async Task A_disposed_subscription_hears_nothing_more()
    {
        var (a, b) = Brokers;
        var gone = new ConcurrentQueue<string>();
        var stays = new ConcurrentQueue<string>();
        var subscription = await a.SubscribeAsync("t3", m => Enqueue(gone, m));
        await using var staying = await a.SubscribeAsync("t3", m => Enqueue(stays, m));
        await b.PublishAsync("t3", "before");
        await Eventually.TrueAsync(() => gone.Count == 1 && stays.Count == 1, "the first message on both subscriptions");

        await subscription.DisposeAsync();
        await b.PublishAsync("t3", "after");
        await Eventually.TrueAsync(() => stays.Count == 2, "the second message on the remaining subscription");
        Assert.Equal(["before"], gone);
    }

    [Fact]
    public async Task The_notification_bus_carries_each_identity_in_order_to_its_subscribers_and_nobody_else()
    {
        var (a, b) = Buses;
        var tenants = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid()).ToList();
        var onB = new ConcurrentQueue<NotificationEnvelope>();
        var onA = new ConcurrentQueue<NotificationEnvelope>();
        var subscriptions = new List<IAsyncDisposable>();
        foreach (var tenant in tenants)
        {
            subscriptions.Add(await a.SubscribeAsync(tenant, n => Enqueue(onA, n)));
        }

        foreach (var tenant in tenants.Take(4))
        {
            subscriptions.Add(await b.SubscribeAsync(tenant, n => Enqueue(onB, n)));
        }

        var unheard = Guid.NewGuid(); // nobody subscribes to it
        for (var seq = 1; seq <= 50; seq++)
        {
            foreach (var tenant in tenants.Append(unheard))
            {
                await a.PublishAsync(Envelope(tenant, seq));
            }
        }

        await Eventually.TrueAsync(() => onA.Count == 8 * 50 && onB.Count == 4 * 50, "every notification on each subscriber");
        foreach (var (received, heard) in new[] { (onA, tenants), (onB, tenants.Take(4).ToList()) })
        {
            Assert.Equal(heard.Order(), received.Select(n => n.TenantId).Distinct().Order());
            foreach (var tenant in heard)
            {
                Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), received.Where(n => n.TenantId == tenant).Select(n => n.Seq));
            }
        }

        // A live message reaches the subscribers and stays out of the history.
        var live = new NotificationEnvelope { Id = Guid.NewGuid(), Seq = 0, Type = NotificationTypes.DeviceConnected, TenantId = tenants[0], At = 0 };
        await b.PublishLiveAsync(live);
        await Eventually.TrueAsync(() => onA.Any(n => n.Id == live.Id) && onB.Any(n => n.Id == live.Id), "the live message on both instances");
        Assert.Equal(50, (await History.HeadAsync(tenants[0])).LastSeq);

        // A subscription that ends hears nothing more; the identity's other subscribers still do.
        await subscriptions[^1].DisposeAsync(); // B's subscription to tenants[3]
        await a.PublishAsync(Envelope(tenants[3], 51));
        await Eventually.TrueAsync(() => onA.Any(n => n.TenantId == tenants[3] && n.Seq == 51), "seq 51 on A");
        await a.PublishLiveAsync(live with { Id = Guid.NewGuid(), TenantId = tenants[0] }); // B's other subscriptions still hear, after the one that ended
        await Eventually.TrueAsync(() => onB.Count(n => n.Seq == 0) == 2, "the second live message on B");
        Assert.DoesNotContain(onB, n => n.TenantId == tenants[3] && n.Seq == 51);
        foreach (var subscription in subscriptions.SkipLast(1))
        {
            await subscription.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_history_replays_what_was_published_after_a_seq_and_says_when_it_cannot()
    {
        var (bus, _) = Buses;
        var tenant = Guid.NewGuid();
        var (epoch, last) = await History.HeadAsync(tenant);
        Assert.Equal(0, last);
        for (var seq = 1; seq <= 3; seq++)
        {
            await bus.PublishAsync(Envelope(tenant, seq));
        }

        await bus.PublishAsync(Envelope(tenant, 2)); // published again after a crash: held once
        var read = await History.ReadAsync(tenant, epoch, 1);
        Assert.True(read.Covered);
        Assert.Equal([2L, 3L], read.Entries.Select(n => n.Seq));
        Assert.Equal(3, read.LastSeq);
        Assert.True((await History.ReadAsync(tenant, epoch, 3)).Covered); // nothing missed
        Assert.False((await History.ReadAsync(tenant, "another-epoch", 1)).Covered);
        Assert.False((await History.ReadAsync(tenant, null, 1)).Covered);
        Assert.False((await History.ReadAsync(tenant, epoch, 7)).Covered); // a device ahead of the history

        for (var seq = 4; seq <= 6; seq++)
        {
            await bus.PublishAsync(Envelope(tenant, seq));
        }

        Assert.False((await History.ReadAsync(tenant, epoch, 2)).Covered); // 3 was trimmed away
        var tail = await History.ReadAsync(tenant, epoch, 3);
        Assert.True(tail.Covered);
        Assert.Equal([4L, 5L, 6L], tail.Entries.Select(n => n.Seq));
    }

    private static NotificationEnvelope Envelope(Guid tenant, long seq) =>
        new() { Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileAdded, TenantId = tenant, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };

    protected static Task Enqueue<T>(ConcurrentQueue<T> queue, T item)
    {
        queue.Enqueue(item);
        return Task.CompletedTask;
    }
}
