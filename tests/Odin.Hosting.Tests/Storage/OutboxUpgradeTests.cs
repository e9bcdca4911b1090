using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Odin.Hosting.Notifications;
using Odin.Hosting.Storage;
using Odin.Testing;

namespace Odin.Hosting.Tests.Storage;

/// <summary>
/// An installation upgraded to migration 11 (what is still to publish moves from a column of <c>notifications</c> to
/// the <c>outbox</c> table, and <c>notifications</c> becomes <c>notification_log</c>) with notifications in its outbox:
/// the pending ones are published after the upgrade, rows from before slots get their identity's slot, and the
/// published ones go with the retention.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboxUpgradeTests(PostgresServer postgres)
{
    private const int LastVersionBefore = 10;

    [Fact]
    public async Task On_SQLite_pending_notifications_stay_pending_and_published_ones_are_pruned()
    {
        var options = await DatabaseTest.Sqlite(out var folder)();
        try
        {
            await UpgradeAsync(options);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task On_PostgreSQL_pending_notifications_stay_pending_and_published_ones_are_pruned() =>
        await UpgradeAsync(await DatabaseTest.Postgres(postgres)());

    private static async Task UpgradeAsync(DatabaseOptions options)
    {
        var database = StorageComposition.Create(options);
        try
        {
            var migrator = new Migrator(database, NullLogger<Migrator>.Instance);
            Assert.Equal(LastVersionBefore, await migrator.ApplyAsync(LastVersionBefore, CancellationToken.None));

            // Under the old schema: seq 1 published, 2 pending, 3 pending and written before slots (shard 5 of 16), all
            // written two hours ago.
            var tenant = Guid.Parse("4f2a9bce-1d3e-4c5b-8a7f-0e6d5c4b3a21"); // slot 0xbce: letters in every digit the SQL reads
            var twoHoursAgo = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds();
            await using (var connection = await database.OpenAsync())
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO tenants (id, domain, created_at, last_seq) VALUES (@tenant, 'upgraded.example', 0, 3);
                    INSERT INTO notifications (tenant_id, seq, id, type, at, published_at, slot, shard) VALUES
                        (@tenant, 1, @id1, 'fileAdded', @twoHoursAgo, @twoHoursAgo, @slot, 0),
                        (@tenant, 2, @id2, 'fileAdded', @twoHoursAgo, NULL, @slot, 0),
                        (@tenant, 3, @id3, 'fileAdded', @twoHoursAgo, NULL, NULL, 5);
                    """,
                    new
                    {
                        tenant = tenant.ToString(), twoHoursAgo, slot = OutboxSlots.Of(tenant),
                        id1 = Guid.NewGuid().ToString(), id2 = Guid.NewGuid().ToString(), id3 = Guid.NewGuid().ToString(),
                    });
            }

            Assert.Equal(1, await migrator.ApplyAsync(11, CancellationToken.None));

            // The version before, still running beside the upgraded one, fails closed: its write (a notification no
            // dispatcher would publish) and its claim (rows published out of turn) both fail, and change nothing.
            await using (var connection = await database.OpenAsync())
            {
                await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(
                    "INSERT INTO notifications (tenant_id, seq, id, type, at, slot) VALUES (@tenant, 4, @id, 'fileAdded', 0, 0)",
                    new { tenant = tenant.ToString(), id = Guid.NewGuid().ToString() }));
                await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.QueryAsync<long>(
                    "SELECT seq FROM notifications WHERE published_at IS NULL ORDER BY tenant_id, seq LIMIT 500"));
            }

            var outbox = new NotificationOutbox(database);
            Assert.Equal([2L, 3L], (await outbox.ReadPendingAsync(10)).Select(n => n.Seq));
            await using (var connection = await database.OpenAsync())
            {
                // The row from before slots has its identity's slot, computed in SQL as OutboxSlots.Of computes it.
                Assert.Equal([OutboxSlots.Of(tenant)], await connection.QueryAsync<int>("SELECT DISTINCT slot FROM outbox"));
                Assert.Equal([OutboxSlots.Of(tenant)], await connection.QueryAsync<int>("SELECT DISTINCT slot FROM notification_log"));
            }

            // Past the retention (an hour): the published row goes, the pending ones stay however old.
            Assert.Equal(1, await outbox.PruneAsync(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds(), 100));
            await using (var connection = await database.OpenAsync())
            {
                Assert.Equal([2L, 3L], await connection.QueryAsync<long>("SELECT seq FROM notification_log ORDER BY seq"));
            }

            // Published after the upgrade: nothing pending, and both go with the next prune.
            await outbox.MarkPublishedAsync(await outbox.ReadPendingAsync(10));
            Assert.Empty(await outbox.ReadPendingAsync(10));
            Assert.Equal(2, await outbox.PruneAsync(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds(), 100));
        }
        finally
        {
            if (database is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }
}
