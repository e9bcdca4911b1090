using System.Collections.Concurrent;
using Odin.Shared.Notifications;
using Odin.Shared.PubSub;
using Odin.Shared.Realtime;
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
    public async Task The_notification_bus_keeps_each_tenants_order_on_every_instance()
    {
        var (a, b) = Buses;
        var onB = new ConcurrentQueue<NotificationEnvelope>();
        var onA = new ConcurrentQueue<NotificationEnvelope>();
        await using var subB = await b.SubscribeAsync(n => Enqueue(onB, n));
        await using var subA = await a.SubscribeAsync(n => Enqueue(onA, n));

        var tenants = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid()).ToList();
        var total = 0;
        for (var seq = 1; seq <= 50; seq++)
        {
            foreach (var tenant in tenants)
            {
                await a.PublishAsync(new NotificationEnvelope { Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileAdded, TenantId = tenant, At = 0 });
                total++;
            }
        }

        await Eventually.TrueAsync(() => onA.Count == total && onB.Count == total, "every notification on both instances");
        foreach (var received in new[] { onA, onB })
        {
            foreach (var tenant in tenants)
            {
                Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), received.Where(n => n.TenantId == tenant).Select(n => n.Seq));
            }
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
