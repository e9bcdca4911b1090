using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Odin.Hosting.Devices;
using Odin.Hosting.Drives;
using Odin.Hosting.Files;
using Odin.Hosting.LastSeen;
using Odin.Hosting.Notifications;
using Odin.Hosting.Storage;
using Odin.Hosting.Tenants;
using Odin.ClusterPrimitives.Auth;
using Odin.Contracts;

namespace Odin.Hosting.Tests.Storage;

/// <summary>The storage behaviour every provider must have; run against SQLite and PostgreSQL.</summary>
public abstract class StorageContract(Func<Task<DatabaseOptions>> createOptions) : DatabaseTest(createOptions)
{
    protected TenantStore Tenants { get; private set; } = null!;

    protected DriveStore Drives { get; private set; } = null!;

    protected DeviceStore Devices { get; private set; } = null!;

    protected FileStore Files { get; private set; } = null!;

    protected NotificationOutbox Outbox { get; private set; } = null!;

    protected LastSeenStore LastSeen { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Assert.Equal(MigrationCount, AppliedMigrations);
        var time = TimeProvider.System;
        var cache = TestCaches.Memory();
        Tenants = new TenantStore(Database, cache, time);
        Drives = new DriveStore(Database, cache, time);
        Devices = new DeviceStore(Database, cache, time);
        Files = new FileStore(Database, time, new DispatchSignal());
        Outbox = new NotificationOutbox(Database);
        LastSeen = new LastSeenStore(Database);
    }

    [Fact]
    public async Task Migrations_apply_once()
    {
        Assert.Equal(0, await new Migrator(Database, NullLogger<Migrator>.Instance).ApplyAsync());
    }

    [Fact]
    public async Task A_domain_is_taken_once_and_the_owner_token_only_opens_its_own_tenant()
    {
        var (tenant, ownerToken) = (await Tenants.CreateAsync("frodo.example"))!.Value;
        Assert.Null(await Tenants.CreateAsync("frodo.example"));
        var (other, _) = (await Tenants.CreateAsync("sam.example"))!.Value;

        Assert.True(await Tenants.IsOwnerTokenAsync(tenant.Id, ownerToken));
        Assert.False(await Tenants.IsOwnerTokenAsync(other.Id, ownerToken));
        Assert.False(await Tenants.IsOwnerTokenAsync(tenant.Id, ownerToken + "x"));
    }

    [Fact]
    public async Task Concurrent_last_seen_flushes_from_many_instances_never_move_a_time_backwards()
    {
        var (tenant, _) = (await Tenants.CreateAsync("samwise.example"))!.Value;
        var subjects = new[] { LastSeenStore.Owner, Guid.NewGuid().ToString(), Guid.NewGuid().ToString() };
        var random = new Random(7);
        // Eight "instances", each flushing batches of its own sightings, in any order against each other.
        var batches = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 10)
            .Select(_ => subjects.Select(s => (tenant.Id, s, (long)random.Next(1, 1_000_000))).ToList()).ToList()).ToList();
        await Task.WhenAll(batches.Select(async instance =>
        {
            foreach (var batch in instance)
            {
                await LastSeen.FlushAsync(batch);
            }
        }));

        foreach (var subject in subjects)
        {
            var latest = batches.SelectMany(i => i).SelectMany(b => b).Where(x => x.Item2 == subject).Max(x => x.Item3);
            Assert.Equal(latest, await LastSeen.GetAsync(tenant.Id, subject));
        }

        await LastSeen.FlushAsync([(tenant.Id, LastSeenStore.Owner, 1)]);
        Assert.NotEqual(1, await LastSeen.GetAsync(tenant.Id, LastSeenStore.Owner));
    }

    [Fact]
    public async Task Pruning_removes_only_times_older_than_the_cutoff()
    {
        var (tenant, _) = (await Tenants.CreateAsync("lobelia.example"))!.Value;
        await LastSeen.FlushAsync([(tenant.Id, "old", 1_000), (tenant.Id, "new", 5_000)]);

        Assert.Equal(1, await LastSeen.PruneAsync(cutoff: 2_000, fencingToken: 1));
        Assert.Null(await LastSeen.GetAsync(tenant.Id, "old"));
        Assert.Equal(5_000, await LastSeen.GetAsync(tenant.Id, "new"));
    }

    [Fact]
    public async Task A_prune_by_a_deposed_leader_is_fenced_off()
    {
        var (tenant, _) = (await Tenants.CreateAsync("otho.example"))!.Value;
        await LastSeen.FlushAsync([(tenant.Id, "old", 1_000)]);
        Assert.Equal(0, await LastSeen.PruneAsync(cutoff: 500, fencingToken: 7)); // term 7 has written

        Assert.Null(await LastSeen.PruneAsync(cutoff: 2_000, fencingToken: 6)); // term 6 wakes up late
        Assert.Equal(1_000, await LastSeen.GetAsync(tenant.Id, "old"));
        Assert.Equal(1, await LastSeen.PruneAsync(cutoff: 2_000, fencingToken: 8));
    }

    [Fact]
    public async Task The_nearest_registered_parent_domain_is_found()
    {
        var (tenant, _) = (await Tenants.CreateAsync("shire.example"))!.Value;
        Assert.Equal(tenant.Id, (await Tenants.FindNearestAsync(["a.b.shire.example", "b.shire.example", "shire.example"]))!.Id);
        Assert.Null(await Tenants.FindNearestAsync(["mordor.example"]));
    }

    [Fact]
    public async Task Disable_and_delete_are_reported_and_delete_cascades()
    {
        var (tenant, _) = (await Tenants.CreateAsync("merry.example"))!.Value;
        var drive = (await Drives.CreateAsync(tenant.Id, "docs", "Docs"))!;
        await Files.WriteAsync(tenant.Id, drive.Id, Guid.NewGuid(), null, "{}", null);

        Assert.Equal(tenant.Id, await Tenants.SetDisabledAsync("merry.example", true));
        Assert.True((await Tenants.FindByDomainAsync("merry.example"))!.Disabled);
        Assert.Null(await Tenants.SetDisabledAsync("nobody.example", true));

        Assert.Equal(tenant.Id, await Tenants.DeleteAsync("merry.example"));
        Assert.Null(await Tenants.FindByDomainAsync("merry.example"));
        Assert.Empty(await Outbox.ReadPendingAsync(100));
        Assert.Null(await Tenants.DeleteAsync("merry.example"));
    }

    [Fact]
    public async Task Drive_aliases_are_unique_per_tenant()
    {
        var (a, _) = (await Tenants.CreateAsync("a.example"))!.Value;
        var (b, _) = (await Tenants.CreateAsync("b.example"))!.Value;
        Assert.NotNull(await Drives.CreateAsync(a.Id, "photos", "Photos"));
        Assert.Null(await Drives.CreateAsync(a.Id, "photos", "Again"));
        Assert.NotNull(await Drives.CreateAsync(b.Id, "photos", "Photos"));
        Assert.Single(await Drives.ListAsync(a.Id));
    }

    [Fact]
    public async Task Device_secrets_authenticate_until_revoked()
    {
        var (tenant, _) = (await Tenants.CreateAsync("pippin.example"))!.Value;
        var drive = (await Drives.CreateAsync(tenant.Id, "docs", "Docs"))!;
        var (deviceId, secret) = await Devices.CreateAsync(tenant.Id, "phone", new Dictionary<Guid, DrivePermission> { [drive.Id] = DrivePermission.Write });

        var grants = await Devices.AuthenticateAsync(tenant.Id, deviceId, secret);
        Assert.Equal(DrivePermission.Write, Assert.Single(grants!).Value);
        Assert.Null(await Devices.AuthenticateAsync(tenant.Id, deviceId, secret + "x"));

        Assert.True(await Devices.RevokeAsync(tenant.Id, deviceId));
        Assert.False(await Devices.RevokeAsync(tenant.Id, deviceId));
        Assert.False(await Devices.IsActiveAsync(tenant.Id, deviceId));
        Assert.Null(await Devices.AuthenticateAsync(tenant.Id, deviceId, secret));
    }

    [Fact]
    public async Task Version_tags_guard_every_write_and_a_refused_write_uses_no_seq()
    {
        var (tenant, _) = (await Tenants.CreateAsync("bilbo.example"))!.Value;
        var drive = (await Drives.CreateAsync(tenant.Id, "docs", "Docs"))!;
        var fileId = Guid.NewGuid();

        var created = await Files.WriteAsync(tenant.Id, drive.Id, fileId, null, """{"v":1}""", [1, 2, 3]);
        Assert.Equal(WriteOutcome.Created, created.Outcome);
        Assert.Equal(1, created.Seq);

        Assert.Equal(WriteOutcome.PreconditionFailed, (await Files.WriteAsync(tenant.Id, drive.Id, fileId, null, "{}", null)).Outcome);
        Assert.Equal(WriteOutcome.PreconditionFailed, (await Files.WriteAsync(tenant.Id, drive.Id, fileId, "0000", "{}", null)).Outcome);

        var updated = await Files.WriteAsync(tenant.Id, drive.Id, fileId, created.VersionTag, """{"v":2}""", null);
        Assert.Equal(WriteOutcome.Updated, updated.Outcome);
        Assert.Equal(2, updated.Seq);
        Assert.Equal(WriteOutcome.PreconditionFailed, (await Files.DeleteAsync(tenant.Id, drive.Id, fileId, created.VersionTag!)).Outcome);

        var stored = await Files.GetAsync(tenant.Id, drive.Id, fileId);
        Assert.Equal(updated.VersionTag, stored!.VersionTag);
        Assert.Equal("""{"v":2}""", stored.Metadata);

        var deleted = await Files.DeleteAsync(tenant.Id, drive.Id, fileId, updated.VersionTag!);
        Assert.Equal(3, deleted.Seq);
        Assert.Null(await Files.GetAsync(tenant.Id, drive.Id, fileId));

        // A tombstone can be created again, and the feed reports the file once, at its latest change.
        var recreated = await Files.WriteAsync(tenant.Id, drive.Id, fileId, null, "{}", null);
        Assert.Equal(WriteOutcome.Created, recreated.Outcome);
        var change = Assert.Single(await Files.ChangesAsync(tenant.Id, drive.Id, 0, 10));
        Assert.Equal((4L, false), (change.Seq, change.Deleted));

        var types = (await Outbox.ReadPendingAsync(100)).Where(n => n.TenantId == tenant.Id).Select(n => (n.Seq, n.Type));
        Assert.Equal(
            [(1L, NotificationTypes.FileAdded), (2L, NotificationTypes.FileModified), (3L, NotificationTypes.FileDeleted), (4L, NotificationTypes.FileAdded)],
            types);
    }

    [Fact]
    public async Task Concurrent_writers_get_gapless_unique_seqs_and_one_wins_a_contested_tag()
    {
        var (tenant, _) = (await Tenants.CreateAsync("gandalf.example"))!.Value;
        var drive = (await Drives.CreateAsync(tenant.Id, "docs", "Docs"))!;
        var contested = Guid.NewGuid();
        var tag = (await Files.WriteAsync(tenant.Id, drive.Id, contested, null, "{}", null)).VersionTag;

        var fresh = Enumerable.Range(0, 30).Select(_ => Files.WriteAsync(tenant.Id, drive.Id, Guid.NewGuid(), null, "{}", null));
        var rivals = Enumerable.Range(0, 10).Select(_ => Files.WriteAsync(tenant.Id, drive.Id, contested, tag, "{}", null));
        var results = await Task.WhenAll(fresh.Concat(rivals));

        Assert.Equal(1, results.Count(r => r.Outcome == WriteOutcome.Updated));
        Assert.Equal(9, results.Count(r => r.Outcome == WriteOutcome.PreconditionFailed));
        var seqs = results.Where(r => r.Outcome != WriteOutcome.PreconditionFailed).Select(r => r.Seq).Order();
        Assert.Equal(Enumerable.Range(2, 31).Select(i => (long)i), seqs);

        var outboxSeqs = (await Outbox.ReadPendingAsync(1000)).Where(n => n.TenantId == tenant.Id).Select(n => n.Seq);
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (long)i), outboxSeqs);
    }

    [Fact]
    public async Task Published_notifications_leave_the_pending_list_and_changes_page_by_cursor()
    {
        var (tenant, _) = (await Tenants.CreateAsync("rosie.example"))!.Value;
        var drive = (await Drives.CreateAsync(tenant.Id, "docs", "Docs"))!;
        for (var i = 0; i < 5; i++)
        {
            await Files.WriteAsync(tenant.Id, drive.Id, Guid.NewGuid(), null, "{}", null);
        }

        var pending = (await Outbox.ReadPendingAsync(100)).Where(n => n.TenantId == tenant.Id).ToList();
        await Outbox.MarkPublishedAsync(pending.Take(3));
        Assert.Equal([4L, 5L], (await Outbox.ReadPendingAsync(100)).Where(n => n.TenantId == tenant.Id).Select(n => n.Seq));

        Assert.Equal([3L, 4L], (await Files.ChangesAsync(tenant.Id, drive.Id, 2, 2)).Select(c => c.Seq));
        Assert.Empty(await Files.ChangesAsync(tenant.Id, drive.Id, 5, 2));
    }

    [Fact]
    public async Task Published_notifications_past_the_retention_are_deleted_in_batches_and_pending_ones_never()
    {
        var (tenant, _) = (await Tenants.CreateAsync("lobelia.example"))!.Value;
        var drive = (await Drives.CreateAsync(tenant.Id, "docs", "Docs"))!;
        for (var i = 0; i < 9; i++)
        {
            await Files.WriteAsync(tenant.Id, drive.Id, Guid.NewGuid(), null, "{}", null);
        }

        // Seqs 1-5 written two hours ago and published, 6-7 written a minute ago and published, 8-9 written two hours ago
        // and still pending (never deleted, however old).
        var now = TimeProvider.System.GetUtcNow();
        await using (var aging = await Database.OpenAsync())
        {
            await aging.ExecuteAsync(
                "UPDATE notification_log SET at = CASE WHEN seq IN (6, 7) THEN @minuteAgo ELSE @twoHoursAgo END WHERE tenant_id = @Id",
                new { tenant.Id, minuteAgo = (now - TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds(), twoHoursAgo = (now - TimeSpan.FromHours(2)).ToUnixTimeMilliseconds() });
        }

        var pending = (await Outbox.ReadPendingAsync(100)).Where(n => n.TenantId == tenant.Id).ToList();
        await Outbox.MarkPublishedAsync(pending.Take(7));

        var options = Microsoft.Extensions.Options.Options.Create(new NotificationOptions { Retention = TimeSpan.FromHours(1), PruneBatchSize = 2 });
        var metrics = new NotificationMetrics(new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider()
            .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var pruner = new OutboxPruner(Outbox, metrics, new Odin.Hosting.Cluster.SingleNodeLeaderElection(), options, TimeProvider.System, NullLogger<OutboxPruner>.Instance);
        Assert.Equal(5, await pruner.PruneAsync(CancellationToken.None)); // 2 + 2 + 1: batches until one comes back short
        Assert.Equal(0, await pruner.PruneAsync(CancellationToken.None));

        await using var connection = await Database.OpenAsync();
        var left = (await connection.QueryAsync<long>("SELECT seq FROM notification_log WHERE tenant_id = @Id ORDER BY seq", new { tenant.Id })).ToList();
        Assert.Equal([6L, 7L, 8L, 9L], left);
        Assert.Equal([8L, 9L], (await Outbox.ReadPendingAsync(100)).Where(n => n.TenantId == tenant.Id).Select(n => n.Seq));
    }
}

public sealed class SqliteStorageTests() : StorageContract(Sqlite(out _));

[Collection(PostgresCollection.Name)]
public sealed class PostgresStorageTests(Odin.Testing.PostgresServer postgres) : StorageContract(Postgres(postgres));
