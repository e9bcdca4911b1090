using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Odin.Hosting.Cluster;
using Odin.Hosting.Notifications;
using Odin.Hosting.Storage;
using Odin.Hosting.Tests.Storage;
using Odin.Testing;

namespace Odin.Hosting.Tests.Notifications;

/// <summary>
/// The outbox's depth and lag as each instance reads them: the whole outbox's, and its own shards' from the same
/// measurement. On PostgreSQL one instance measures for all once an interval; a single node measures for itself.
/// </summary>
public abstract class OutboxMonitorTests(Func<Task<DatabaseOptions>> createOptions) : DatabaseTest(createOptions)
{
    protected static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    protected OutboxShards Shards() => new(
        Database, new InstanceIdentity(), Options.Create(new NotificationOptions { Shards = 16, ShardLease = TimeSpan.FromMinutes(1) }),
        TimeProvider.System, NullLogger<OutboxShards>.Instance);

    private protected OutboxMonitor Monitor(OutboxShards shards, TimeProvider time) => new(
        Database, shards,
        new NotificationMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
        time, NullLogger<OutboxMonitor>.Instance);

    /// <summary>A new identity whose shard <paramref name="wanted"/> accepts, with one pending notification written at <paramref name="at"/>.</summary>
    protected async Task<Guid> PendingAsync(Func<int, bool> wanted, DateTimeOffset at)
    {
        var tenants = new Odin.Hosting.Tenants.TenantStore(Database, TestCaches.Memory(), TimeProvider.System);
        for (var tries = 0; tries < 200; tries++)
        {
            var (tenant, _) = (await tenants.CreateAsync($"t{Guid.NewGuid():N}.example"))!.Value;
            if (!wanted(OutboxSlots.ShardOf(tenant.Id, 16)))
            {
                continue;
            }

            await using var write = await Database.BeginWriteAsync();
            await NotificationOutbox.AppendAsync(write, new OutboxNotification
            {
                TenantId = tenant.Id, Seq = await NotificationOutbox.NextSeqAsync(write, tenant.Id), Id = Guid.NewGuid(), Type = "newFollower",
                At = at.ToUnixTimeMilliseconds(),
            });
            await write.CommitAsync();
            return tenant.Id;
        }

        throw new InvalidOperationException("no identity fell in the wanted shards");
    }

    /// <summary>Its notifications are published: their keys leave the outbox.</summary>
    protected async Task PublishedAsync(Guid tenantId)
    {
        await using var connection = await Database.OpenAsync();
        await connection.ExecuteAsync("DELETE FROM outbox WHERE tenant_id = @tenantId", new { tenantId });
    }
}

public sealed class SqliteOutboxMonitorTests() : OutboxMonitorTests(Sqlite(out _))
{
    [Fact]
    public async Task A_single_node_measures_the_whole_outbox_itself_at_every_reading()
    {
        var shards = Shards();
        await shards.StartAsync(CancellationToken.None); // a single node holds every shard at once
        await Eventually.TrueAsync(() => shards.Held.Shards.Count == 16, "the single node to hold every shard");
        var time = new FakeTimeProvider(Start);
        var monitor = Monitor(shards, time);
        var old = await PendingAsync(_ => true, Start - TimeSpan.FromSeconds(100));
        await PendingAsync(_ => true, Start - TimeSpan.FromSeconds(10));

        await monitor.RefreshAsync(CancellationToken.None);
        Assert.Equal((2L, TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100), shards.Instance, Start),
            (monitor.Latest.Depth, monitor.Latest.OldestAge, monitor.Latest.HeldOldestAge, monitor.Latest.MeasuredBy, monitor.Latest.MeasuredAt));
        Assert.Equal(OutboxSlots.ShardOf(old, 16), monitor.Latest.LaggingShards[0]);

        await PublishedAsync(old);
        time.Advance(TimeSpan.FromSeconds(1));
        await monitor.RefreshAsync(CancellationToken.None);
        Assert.Equal((1L, TimeSpan.FromSeconds(11), Start + TimeSpan.FromSeconds(1)), (monitor.Latest.Depth, monitor.Latest.OldestAge, monitor.Latest.MeasuredAt));
        await shards.StopAsync(CancellationToken.None);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxMonitorTests(PostgresServer server) : OutboxMonitorTests(Postgres(server))
{
    [Fact]
    public async Task One_instance_measures_the_whole_outbox_for_all_once_an_interval_and_each_takes_its_own_shards_lag_from_it()
    {
        var (a, b) = await TwoInstancesAsync();

        Assert.Equal([8, 8], new[] { a, b }.Select(i => i.Held.Shards.Count));
        var ofA = await PendingAsync(a.Held.Shards.Contains, Start - TimeSpan.FromSeconds(100));
        await PendingAsync(b.Held.Shards.Contains, Start - TimeSpan.FromSeconds(10));
        await PendingAsync(b.Held.Shards.Contains, Start - TimeSpan.FromSeconds(5));
        var time = new FakeTimeProvider(Start);
        var (monitorA, monitorB) = (Monitor(a, time), Monitor(b, time));

        // a reads first and measures; b, in the same interval, reads a's measurement: both see the whole outbox alike,
        // each its own shards' lag.
        await monitorA.RefreshAsync(CancellationToken.None);
        await monitorB.RefreshAsync(CancellationToken.None);
        foreach (var reading in new[] { monitorA.Latest, monitorB.Latest })
        {
            Assert.Equal((3L, TimeSpan.FromSeconds(100), a.Instance, Start), (reading.Depth, reading.OldestAge, reading.MeasuredBy, reading.MeasuredAt));
        }

        Assert.Equal(TimeSpan.FromSeconds(100), monitorA.Latest.HeldOldestAge);
        Assert.Equal([OutboxSlots.ShardOf(ofA, 16)], monitorA.Latest.LaggingShards);
        Assert.Equal(TimeSpan.FromSeconds(10), monitorB.Latest.HeldOldestAge);
        Assert.NotEmpty(monitorB.Latest.LaggingShards);
        Assert.All(monitorB.Latest.LaggingShards, shard => Assert.Contains(shard, b.Held.Shards));

        // a's notification is published. Within the interval b still reads the stored measurement (its ages counted to
        // now), not the outbox.
        await PublishedAsync(ofA);
        time.Advance(TimeSpan.FromSeconds(1));
        await monitorB.RefreshAsync(CancellationToken.None);
        Assert.Equal((3L, a.Instance, TimeSpan.FromSeconds(101)), (monitorB.Latest.Depth, monitorB.Latest.MeasuredBy, monitorB.Latest.OldestAge));

        // An interval on, whoever reads first measures again, for both.
        time.Advance(OutboxMonitor.Interval);
        await monitorB.RefreshAsync(CancellationToken.None);
        await monitorA.RefreshAsync(CancellationToken.None);
        foreach (var reading in new[] { monitorA.Latest, monitorB.Latest })
        {
            Assert.Equal((2L, TimeSpan.FromSeconds(16), b.Instance), (reading.Depth, reading.OldestAge, reading.MeasuredBy));
        }

        Assert.Equal((TimeSpan.Zero, 0), (monitorA.Latest.HeldOldestAge, monitorA.Latest.LaggingShards.Count));
        Assert.Equal(TimeSpan.FromSeconds(16), monitorB.Latest.HeldOldestAge);
    }

    [Fact]
    public async Task A_measurement_stamped_ahead_of_the_readers_clock_is_measured_again_not_kept()
    {
        var (a, b) = await TwoInstancesAsync();

        await PendingAsync(_ => true, Start - TimeSpan.FromSeconds(100));
        // a's clock runs 10 s ahead of b's: to b, a's measurement would stay fresh for 14 s; it measures itself instead.
        var (monitorA, monitorB) = (Monitor(a, new FakeTimeProvider(Start)), Monitor(b, new FakeTimeProvider(Start - TimeSpan.FromSeconds(10))));
        await monitorA.RefreshAsync(CancellationToken.None);
        await monitorB.RefreshAsync(CancellationToken.None);
        Assert.Equal(a.Instance, monitorA.Latest.MeasuredBy);
        Assert.Equal((b.Instance, Start - TimeSpan.FromSeconds(10)), (monitorB.Latest.MeasuredBy, monitorB.Latest.MeasuredAt));
    }

    [Fact]
    public async Task The_measuring_instance_vacuums_the_outbox_once_its_deleted_keys_pile_up()
    {
        var (a, _) = await TwoInstancesAsync();
        var time = new FakeTimeProvider(Start);
        var monitor = Monitor(a, time);
        var tenant = await PendingAsync(_ => true, Start);
        await monitor.RefreshAsync(CancellationToken.None);
        Assert.Equal(0, await VacuumsAsync()); // a few dead keys: nothing to do

        // A drained backlog: many more keys of the identity, all published (deleted); the statistics flushed at once.
        await using (var connection = await Database.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO outbox (slot, tenant_id, seq, at) SELECT @slot, @tenant, s, 0 FROM generate_series(2, @last) AS s",
                new { slot = OutboxSlots.Of(tenant), tenant, last = OutboxVacuum.DeadKeys + 1 });
            await connection.ExecuteAsync("DELETE FROM outbox WHERE tenant_id = @tenant", new { tenant });
            await connection.ExecuteAsync("SELECT pg_stat_force_next_flush()");
        }

        await Eventually.TrueAsync(async () => await DeadKeysAsync() >= OutboxVacuum.DeadKeys, "the statistics to count the dead keys");
        time.Advance(OutboxMonitor.Interval);
        await monitor.RefreshAsync(CancellationToken.None); // the stored measurement is stale: a measures, then vacuums
        // (Autovacuum may have been at the table at that moment: then it is the one that counts.)
        await Eventually.TrueAsync(async () => await VacuumsAsync() >= 1, "a vacuum of the outbox");
        Assert.True(await DeadKeysAsync() < OutboxVacuum.DeadKeys);
    }

    private async Task<long> DeadKeysAsync()
    {
        await using var connection = await Database.OpenAsync();
        return await OutboxVacuum.DeadKeysAsync(connection);
    }

    private async Task<long> VacuumsAsync()
    {
        await using var connection = await Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables WHERE relid = to_regclass('outbox')");
    }

    /// <summary>Two instances holding 8 of the 16 shards each.</summary>
    private async Task<(OutboxShards A, OutboxShards B)> TwoInstancesAsync()
    {
        var (a, b) = (Shards(), Shards());
        foreach (var instance in new[] { a, b, a, b })
        {
            await instance.RenewAsync(CancellationToken.None);
        }

        return (a, b);
    }
}
