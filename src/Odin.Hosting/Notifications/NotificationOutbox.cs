using System.Data.Common;
using Dapper;
using Odin.Hosting.Storage;
using Odin.Shared.Notifications;

namespace Odin.Hosting.Notifications;

/// <summary>
/// The transactional outbox. <see cref="AppendAsync"/> runs inside the change's own transaction: it takes
/// the tenant's next seq (a row lock on the tenant held to commit, so seq order is commit order and a
/// rollback leaves no gap) and writes the notification row. <see cref="PublishPendingAsync"/> hands
/// committed rows to a publisher so that each is published once, each tenant's in seq order, however
/// many instances run it at once.
/// </summary>
public sealed class NotificationOutbox(IDatabase database)
{
    /// <summary>First key of PostgreSQL's two-key advisory locks for outbox shards ("odno").</summary>
    private const int ShardLockClass = 0x6F646E6F;

    private const string Columns =
        "tenant_id AS TenantId, seq AS Seq, id AS Id, type AS Type, drive_id AS DriveId, file_id AS FileId, version_tag AS VersionTag, at AS At, data AS Data";

    /// <summary>Takes the tenant's next seq. Call first in the transaction, before the change it numbers.</summary>
    public static Task<long> NextSeqAsync(WriteTransaction write, Guid tenantId) =>
        write.Connection.ExecuteScalarAsync<long>(
            "UPDATE tenants SET last_seq = last_seq + 1 WHERE id = @tenantId RETURNING last_seq", new { tenantId }, write.Transaction);

    public static Task AppendAsync(WriteTransaction write, OutboxNotification notification) =>
        write.Connection.ExecuteAsync(
            """
            INSERT INTO notifications (tenant_id, seq, id, type, drive_id, file_id, version_tag, at, data, shard)
            VALUES (@TenantId, @Seq, @Id, @Type, @DriveId, @FileId, @VersionTag, @At, @Data, @Shard)
            """,
            new
            {
                notification.TenantId, notification.Seq, notification.Id, notification.Type, notification.DriveId,
                notification.FileId, notification.VersionTag, notification.At, notification.Data, Shard = NotificationShards.Of(notification.TenantId),
            },
            write.Transaction);

    /// <summary>Unpublished notifications, oldest first within each tenant.</summary>
    public async Task<IReadOnlyList<OutboxNotification>> ReadPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<OutboxNotification>(
            $"SELECT {Columns} FROM notifications WHERE published_at IS NULL ORDER BY tenant_id, seq LIMIT @limit", new { limit })];
    }

    /// <summary>
    /// Hands pending rows to <paramref name="publish"/> (up to <paramref name="limit"/> per shard) and marks
    /// them published once it returns. Returns how many were published. On PostgreSQL each shard is claimed
    /// with a transaction-scoped advisory lock that other instances skip, so a row is published once; on
    /// SQLite (single node, one dispatcher) rows are read, published and marked.
    /// </summary>
    public async Task<int> PublishPendingAsync(
        Func<IReadOnlyList<OutboxNotification>, CancellationToken, Task> publish, int limit, long publishedAt, CancellationToken cancellationToken = default)
    {
        if (database.Provider != DatabaseProvider.Postgres)
        {
            var pending = await ReadPendingAsync(limit, cancellationToken);
            if (pending.Count > 0)
            {
                await publish(pending, cancellationToken);
                await MarkPublishedAsync(pending, publishedAt, cancellationToken);
            }

            return pending.Count;
        }

        var published = 0;
        var first = Random.Shared.Next(NotificationShards.Count); // instances start at different shards and rarely collide
        for (var i = 0; i < NotificationShards.Count; i++)
        {
            var shard = (first + i) % NotificationShards.Count;
            await using var write = await database.BeginWriteAsync(cancellationToken);
            if (!await write.Connection.ExecuteScalarAsync<bool>(
                    "SELECT pg_try_advisory_xact_lock(@ShardLockClass, @shard)", new { ShardLockClass, shard }, write.Transaction))
            {
                continue; // another instance is publishing this shard right now
            }

            var rows = (await write.Connection.QueryAsync<OutboxNotification>(
                $"SELECT {Columns} FROM notifications WHERE published_at IS NULL AND shard = @shard ORDER BY tenant_id, seq LIMIT @limit",
                new { shard, limit }, write.Transaction)).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            await publish(rows, cancellationToken);
            await MarkAsync(write.Connection, rows, publishedAt, write.Transaction);
            await write.CommitAsync(cancellationToken);
            published += rows.Count;
        }

        return published;
    }

    public async Task MarkPublishedAsync(IEnumerable<OutboxNotification> published, long at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await MarkAsync(connection, published, at);
    }

    private static Task<int> MarkAsync(DbConnection connection, IEnumerable<OutboxNotification> published, long at, DbTransaction? transaction = null) =>
        connection.ExecuteAsync(
            "UPDATE notifications SET published_at = @at WHERE tenant_id = @TenantId AND seq = @Seq",
            published.Select(n => new { n.TenantId, n.Seq, at }), transaction);
}
