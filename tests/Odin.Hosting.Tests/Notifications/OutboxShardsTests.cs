using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.Hosting.Notifications;
using Odin.Hosting.Tests.Storage;
using Odin.ClusterPrimitives.PubSub;
using Odin.Testing;

namespace Odin.Hosting.Tests.Notifications;

/// <summary>
/// The outbox's shards on a real PostgreSQL: held by lease, a fair share each, taken from the dead within the lease
/// and from the stopped at once; the shard count changed only when every instance asks; a claim publishes its own
/// shards only, one claim at a time per shard, and marks its batch with one statement; a commit wakes the holder.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboxShardsTests(PostgresServer server) : DatabaseTest(Postgres(server))
{
    /// <summary>Short, so a dead instance's leases run out within a test.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    private OutboxShards Instance(int shards = 16) => new(
        Database, new InstanceIdentity(), Options.Create(new NotificationOptions { Shards = shards, ShardLease = Lease }), TimeProvider.System,
        NullLogger<OutboxShards>.Instance);

    [Fact]
    public async Task Instances_hold_a_fair_share_each_and_take_a_dead_ones_shards_within_the_lease_and_a_stopped_ones_at_once()
    {
        var (a, b) = (Instance(), Instance());
        await RenewAsync(a, b, a, b);
        AssertCover(16, a, b);
        Assert.Equal([8, 8], new[] { a, b }.Select(i => i.Held.Shards.Count));

        var c = Instance();
        await RenewAsync(c, a, b, c);
        AssertCover(16, a, b, c);
        Assert.All(new[] { a, b, c }, i => Assert.InRange(i.Held.Shards.Count, 4, 6));

        // b dies (it renews no more): within its lease, a and c hold its shards.
        await Eventually.TrueAsync(async () =>
        {
            await RenewAsync(a, c);
            return a.Held.Shards.Concat(c.Held.Shards).Distinct().Count() == 16;
        }, "a and c to hold every shard once b's leases ran out", TimeSpan.FromSeconds(30));
        AssertCover(16, a, c);

        // c stops: it gives its shards up, and a holds them all at its next renewal, without waiting for a lease.
        await c.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => c.Held.Shards.Count > 0, "c to renew in the background");
        await c.StopAsync(CancellationToken.None);
        Assert.Empty(c.Held.Shards);
        await RenewAsync(a);
        Assert.Equal(16, a.Held.Shards.Count);
    }

    [Fact]
    public async Task The_shard_count_changes_only_once_every_live_instance_asks_for_the_new_one()
    {
        var (a16, b8) = (Instance(16), Instance(8));
        await RenewAsync(a16, b8, a16, b8);
        Assert.Equal(16, await StoredCountAsync());
        AssertCover(16, a16, b8); // both publish under the count in the database, whatever they ask

        // a is restarted with 8 as well: once its old self's lease runs out, every live instance asks for 8.
        var a8 = Instance(8);
        await Eventually.TrueAsync(async () =>
        {
            await RenewAsync(a8, b8);
            return await StoredCountAsync() == 8;
        }, "the count to switch to 8", TimeSpan.FromSeconds(30));
        await RenewAsync(a8, b8, a8, b8);
        AssertCover(8, a8, b8);
    }

    [Fact]
    public async Task A_claim_publishes_its_held_shards_only_one_claim_per_shard_at_a_time_and_marks_its_batch_with_one_statement()
    {
        var outbox = new NotificationOutbox(Database);
        var tenants = await WriteAsync(40);
        var held = new HeldShards(16, [.. Enumerable.Range(0, 8)]);
        var ours = tenants.Where(t => OutboxSlots.ShardOf(t, 16) < 8).ToHashSet();
        await RenewAsync(Instance()); // the count in the database: 16

        // A claim under way holds its shards: another claim of them gets nothing meanwhile.
        var published = new List<OutboxNotification>();
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var first = outbox.PublishPendingAsync(held, async (batch, _) =>
        {
            published.AddRange(batch);
            inside.SetResult();
            await release.Task;
            return batch;
        }, 500);
        await inside.Task;
        Assert.Equal(0, (await outbox.PublishPendingAsync(held, (_, _) => throw new InvalidOperationException("the shards are being published"), 500)).Published);
        release.SetResult();
        Assert.Equal(ours.Count, (await first).Published);
        Assert.Equal(ours.Order(), published.Select(n => n.TenantId).Order());

        // The other half, counted statement by statement (Npgsql's own tracing): one claim, one read (shards 8 to 15 are one
        // range of slots), one DELETE for all rows' keys, and no row of the log written again.
        using var log = new SqlStatementLog(new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database!);
        Assert.Equal(tenants.Count - ours.Count, (await outbox.PublishPendingAsync(new HeldShards(16, [.. Enumerable.Range(8, 8)]), (batch, _) => Task.FromResult(batch), 500)).Published);
        Assert.Equal(1, log.Count("FROM outbox o JOIN notification_log"));
        Assert.Equal(1, log.Count("DELETE FROM outbox"));
        Assert.Equal(0, log.Count("UPDATE notification_log"));
        Assert.InRange(log.Total, 1, 5);
        Assert.Empty(await outbox.ReadPendingAsync(100));
    }

    [Fact]
    public async Task An_identity_whose_notifications_cannot_be_handed_over_holds_up_nobody_else()
    {
        var outbox = new NotificationOutbox(Database);
        await RenewAsync(Instance()); // the count in the database: 16
        var all = new HeldShards(16, [.. Enumerable.Range(0, 16)]);
        var (stuck, other) = await TwoIdentitiesAsync();
        await WriteAsync(stuck, 600); // more than a batch, ahead of the other identity in the claim's order
        await WriteAsync(other, 10);

        // Nothing of the stuck identity is handed over (its Redis shard is away); the claims go round to the other one.
        Task<IReadOnlyList<OutboxNotification>> AllButStuck(IReadOnlyList<OutboxNotification> batch, CancellationToken _) =>
            Task.FromResult<IReadOnlyList<OutboxNotification>>([.. batch.Where(n => n.TenantId != stuck)]);
        var published = 0;
        for (var claim = 0; claim < 3 && published == 0; claim++)
        {
            var outcome = await outbox.PublishPendingAsync(all, AllButStuck, 500);
            published = outcome.Published;
            // A batch the stuck identity filled asks for the next claim at once: what follows it waits for no poll.
            Assert.True(published > 0 || outcome.More, $"claim {claim} published nothing and asked for no other");
        }

        Assert.Equal(10, published);
        var pending = await outbox.ReadPendingAsync(1000);
        Assert.Equal(600, pending.Count);
        Assert.All(pending, n => Assert.Equal(stuck, n.TenantId));
    }

    /// <summary>
    /// However much of a batch the publisher hands over (the first half of each identity's rows, nothing, all of it),
    /// later claims go on from there: each identity ends up published once, whole, in seq order. Reads resume right after
    /// the last row handed over, so one that resumed past rows still pending would show here as a gap or a step back.
    /// </summary>
    [Fact]
    public async Task Whatever_each_claim_hands_over_every_identity_is_published_whole_and_in_seq_order()
    {
        var outbox = new NotificationOutbox(Database);
        await RenewAsync(Instance()); // the count in the database: 16
        var all = new HeldShards(16, [.. Enumerable.Range(0, 16)]);
        var (first, second) = await TwoIdentitiesAsync();
        await WriteAsync(first, 700);
        await WriteAsync(second, 700);

        var published = new List<OutboxNotification>();
        var claims = 0;
        Task<IReadOnlyList<OutboxNotification>> Partly(IReadOnlyList<OutboxNotification> batch, CancellationToken _)
        {
            var mode = claims++ % 3; // half, nothing, all: a read that stops inside an identity, then one that goes on
            List<OutboxNotification> handed = [.. batch.GroupBy(n => n.TenantId)
                .SelectMany(identity => mode switch { 0 => identity.Take(identity.Count() / 2), 1 => [], _ => identity })];
            published.AddRange(handed);
            return Task.FromResult<IReadOnlyList<OutboxNotification>>(handed);
        }

        while ((await outbox.ReadPendingAsync(1)).Count > 0)
        {
            Assert.True(claims < 100, "the claims go on publishing");
            await outbox.PublishPendingAsync(all, Partly, 500);
        }

        foreach (var identity in new[] { first, second })
        {
            Assert.Equal(Enumerable.Range(1, 700).Select(seq => (long)seq), published.Where(n => n.TenantId == identity).Select(n => n.Seq));
        }
    }

    [Fact]
    public async Task A_commit_wakes_the_dispatcher_of_the_instance_holding_its_shard_and_no_other()
    {
        var (a, b) = (Instance(), Instance());
        await RenewAsync(a, b, a, b, a); // the last renewal tells a who holds what
        var broker = new InProcessPubSubBroker(); // stands for Redis: the broker contract proves both alike
        var (signalA, signalB) = (new DispatchSignal(), new DispatchSignal());
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(); // the relays' clock: their gap between wake-ups
        using var relayA = new DispatchWakeRelay(signalA, a, broker, time, NullLogger<DispatchWakeRelay>.Instance);
        using var relayB = new DispatchWakeRelay(signalB, b, broker, time, NullLogger<DispatchWakeRelay>.Instance);
        await relayA.StartAsync(CancellationToken.None);
        await relayB.StartAsync(CancellationToken.None);
        var ofB = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).First(t => b.Held.Shards.Contains(OutboxSlots.ShardOf(t, 16)));
        var ofA = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).First(t => a.Held.Shards.Contains(OutboxSlots.ShardOf(t, 16)));

        await Eventually.TrueAsync(async () =>
        {
            time.Advance(DispatchWakeRelay.MinimumGap * 2);
            signalA.Notify(ofB); // committed on A, held by B (the relays subscribe in the background)
            return await signalB.WaitAsync(TimeSpan.FromMilliseconds(100), TimeProvider.System, CancellationToken.None);
        }, "a commit on A of B's shard to wake B");

        // A commit before A's relay had started woke A itself (nobody routed it yet): take that wake-up.
        while (await signalA.WaitAsync(TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None))
        {
        }

        // Past the relay's gap between two wake-ups of one instance, a commit of B's shard wakes B and leaves A asleep.
        time.Advance(DispatchWakeRelay.MinimumGap * 2);
        signalA.Notify(ofB);
        Assert.True(await signalB.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None));
        Assert.False(await signalA.WaitAsync(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None));
        signalA.Notify(ofA);
        Assert.True(await signalA.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None));
        await relayA.StopAsync(CancellationToken.None);
        await relayB.StopAsync(CancellationToken.None);
    }

    private static async Task RenewAsync(params OutboxShards[] order)
    {
        foreach (var instance in order)
        {
            await instance.RenewAsync(CancellationToken.None);
        }
    }

    /// <summary>Every one of <paramref name="count"/> shards is held by exactly one of <paramref name="instances"/>, under that count.</summary>
    private static void AssertCover(int count, params OutboxShards[] instances)
    {
        Assert.All(instances, i => Assert.Equal(count, i.Held.Count));
        var all = instances.SelectMany(i => i.Held.Shards).ToList();
        Assert.Equal(Enumerable.Range(0, count), all.Order());
    }

    private async Task<int> StoredCountAsync()
    {
        await using var connection = await Database.OpenAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT shards FROM outbox_settings WHERE id = 1");
    }

    /// <summary>Two new identities, the first one ahead of the second in the outbox's order (by slot, then id).</summary>
    private async Task<(Guid First, Guid Second)> TwoIdentitiesAsync()
    {
        var tenants = new Odin.Hosting.Tenants.TenantStore(Database, TestCaches.Memory(), TimeProvider.System);
        var ids = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await tenants.CreateAsync($"t{Guid.NewGuid():N}.example"))!.Value.Tenant.Id);
        }

        ids.Sort((x, y) => (OutboxSlots.Of(x), x.ToString()).CompareTo((OutboxSlots.Of(y), y.ToString()))); // the claims' order
        return (ids[0], ids[1]);
    }

    /// <summary><paramref name="count"/> notifications of <paramref name="tenant"/>, in one transaction.</summary>
    private async Task WriteAsync(Guid tenant, int count)
    {
        await using var write = await Database.BeginWriteAsync();
        for (var i = 0; i < count; i++)
        {
            await NotificationOutbox.AppendAsync(write, new OutboxNotification
            {
                TenantId = tenant, Seq = await NotificationOutbox.NextSeqAsync(write, tenant), Id = Guid.NewGuid(), Type = "newFollower", At = 1,
            });
        }

        await write.CommitAsync();
    }

    /// <summary>A notification for each of <paramref name="count"/> new identities.</summary>
    private async Task<List<Guid>> WriteAsync(int count)
    {
        var tenants = new Odin.Hosting.Tenants.TenantStore(Database, TestCaches.Memory(), TimeProvider.System);
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var (tenant, _) = (await tenants.CreateAsync($"t{Guid.NewGuid():N}.example"))!.Value;
            await using var write = await Database.BeginWriteAsync();
            await NotificationOutbox.AppendAsync(write, new OutboxNotification
            {
                TenantId = tenant.Id, Seq = await NotificationOutbox.NextSeqAsync(write, tenant.Id), Id = Guid.NewGuid(), Type = "newFollower", At = 1,
            });
            await write.CommitAsync();
            ids.Add(tenant.Id);
        }

        return ids;
    }
}
