using System.Diagnostics;
using System.Data.Common;
using Dapper;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// The transactional outbox. <see cref="AppendAsync"/> runs inside the change's own transaction: it takes the
/// tenant's next seq (a row lock on the tenant held to commit, so seq order is commit order and a rollback leaves no
/// gap) and writes the notification row with its identity's slot. <see cref="PublishPendingAsync"/> hands committed
/// rows of the shards this instance holds to a publisher and marks them published in one statement, so each is
/// published once (at least once across a crash), each tenant's in seq order; <see cref="PruneAsync"/> deletes
/// published rows past the retention.
/// </summary>
public sealed class NotificationOutbox(IDatabase database)
{
    /// <summary>
    /// Where this instance's next claim starts (identities after this one): claims go round the identities, so one
    /// with a long backlog that cannot be published (its Redis shard away) does not hold up the others.
    /// </summary>
    private string _after = "";

    /// <summary>First key of PostgreSQL's two-key advisory locks for outbox shards ("odno").</summary>
    internal const int ShardLockClass = 0x6F646E6F;

    /// <summary>
    /// Second key of the lock every claim holds shared and a change of the shard count takes exclusively, so the count
    /// changes between claims, never under one (no shard number is negative).
    /// </summary>
    internal const int ShardCountLock = -1;

    private const string Columns =
        "tenant_id AS TenantId, seq AS Seq, id AS Id, type AS Type, drive_id AS DriveId, file_id AS FileId, version_tag AS VersionTag, at AS At, data AS Data, trace_parent AS TraceParent";

    /// <summary>A row's shard under <c>@shards</c> (rows written before slots carry their 16-shard number instead).</summary>
    internal const string ShardOfRow = "(COALESCE(slot, shard) % @shards)";

    /// <summary>Takes the tenant's next seq. Call first in the transaction, before the change it numbers.</summary>
    public static Task<long> NextSeqAsync(WriteTransaction write, Guid tenantId) =>
        write.Connection.ExecuteScalarAsync<long>(
            "UPDATE tenants SET last_seq = last_seq + 1 WHERE id = @tenantId RETURNING last_seq", new { tenantId }, write.Transaction);

    public static Task AppendAsync(WriteTransaction write, OutboxNotification notification) =>
        write.Connection.ExecuteAsync(
            """
            INSERT INTO notifications (tenant_id, seq, id, type, drive_id, file_id, version_tag, at, data, slot, trace_parent)
            VALUES (@TenantId, @Seq, @Id, @Type, @DriveId, @FileId, @VersionTag, @At, @Data, @Slot, @TraceParent)
            """,
            new
            {
                notification.TenantId, notification.Seq, notification.Id, notification.Type, notification.DriveId,
                notification.FileId, notification.VersionTag, notification.At, notification.Data, Slot = OutboxSlots.Of(notification.TenantId),
                // The writing request's trace, when it is recorded (tracing on): the row carries it to the dispatcher.
                TraceParent = notification.TraceParent ?? (Activity.Current is { Recorded: true, IdFormat: ActivityIdFormat.W3C } current ? current.Id : null),
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
    /// Hands up to <paramref name="limit"/> pending rows of the shards in <paramref name="held"/> to
    /// <paramref name="publish"/> and marks published the rows it answers with. Returns how many were published. On
    /// PostgreSQL the claim is one transaction: the shard-count lock (shared) and each held shard's advisory lock (an
    /// instance whose lease just ran out may still be finishing a claim), the count checked against the one the
    /// shards were held under, the rows read, published and marked with one statement. On SQLite (one node, one
    /// dispatcher) rows are read, published and marked.
    /// </summary>
    public async Task<int> PublishPendingAsync(
        HeldShards held, Func<IReadOnlyList<OutboxNotification>, CancellationToken, Task<IReadOnlyList<OutboxNotification>>> publish, int limit,
        long publishedAt, CancellationToken cancellationToken = default)
    {
        if (database.Provider != DatabaseProvider.Postgres)
        {
            var pending = await ReadPendingAsync(limit, cancellationToken);
            var handed = pending.Count > 0 ? await publish(pending, cancellationToken) : [];
            if (handed.Count > 0)
            {
                await MarkPublishedAsync(handed, publishedAt, cancellationToken);
            }

            return handed.Count;
        }

        if (held.Shards.Count == 0)
        {
            return 0;
        }

        await using var write = await database.BeginWriteAsync(cancellationToken);
        var (connection, transaction) = (write.Connection, write.Transaction);
        var countHolds = await connection.ExecuteScalarAsync<bool>(
            "SELECT pg_try_advisory_xact_lock_shared(@ShardLockClass, @ShardCountLock) AND (SELECT shards FROM outbox_settings WHERE id = 1) = @count",
            new { ShardLockClass, ShardCountLock, count = held.Count }, transaction);
        if (!countHolds)
        {
            return 0; // the shard count is changing, or changed: the shards are held anew first
        }

        int[] locked = [.. await connection.QueryAsync<int>(
            "SELECT s FROM unnest(@owned) AS s WHERE pg_try_advisory_xact_lock(@ShardLockClass, s)",
            new { owned = held.Shards.ToArray(), ShardLockClass }, transaction)];
        if (locked.Length == 0)
        {
            return 0;
        }

        async Task<List<OutboxNotification>> ClaimAsync() => [.. await connection.QueryAsync<OutboxNotification>(
            $"SELECT {Columns} FROM notifications WHERE published_at IS NULL AND {ShardOfRow} = ANY(@locked) AND tenant_id > @after ORDER BY tenant_id, seq LIMIT @limit",
            new { shards = held.Count, locked, after = _after, limit }, transaction)];
        var rows = await ClaimAsync();
        if (rows.Count == 0 && _after.Length > 0)
        {
            _after = ""; // round the identities once: from the start again
            rows = await ClaimAsync();
        }

        // A full batch goes on after its last identity next time; a short one has reached the end.
        _after = rows.Count == limit ? rows[^1].TenantId.ToString() : "";
        if (rows.Count == 0)
        {
            return 0;
        }

        var sent = await publish(rows, cancellationToken);
        if (sent.Count > 0)
        {
            await MarkAsync(connection, sent, publishedAt, transaction);
            await write.CommitAsync(cancellationToken);
        }

        return sent.Count;
    }

    public async Task MarkPublishedAsync(IEnumerable<OutboxNotification> published, long at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await MarkAsync(connection, published, at);
    }

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> published notifications published before <paramref name="before"/>;
    /// returns how many. Pending rows are never deleted.
    /// </summary>
    public async Task<int> PruneAsync(long before, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE published_at < @before LIMIT @batchSize)",
            new { before, batchSize });
    }

    /// <summary>One statement for the whole batch (PostgreSQL: one array parameter; SQLite: Dapper expands the list).</summary>
    private Task<int> MarkAsync(DbConnection connection, IEnumerable<OutboxNotification> published, long at, DbTransaction? transaction = null)
    {
        var match = database.Provider == DatabaseProvider.Postgres ? "id = ANY(@ids)" : "id IN @ids";
        return connection.ExecuteAsync(
            $"UPDATE notifications SET published_at = @at WHERE {match}", new { at, ids = published.Select(n => n.Id.ToString()).ToArray() }, transaction);
    }
}

/// <summary>The shards an instance holds, numbered under <see cref="Count"/> shards.</summary>
public sealed record HeldShards(int Count, IReadOnlyList<int> Shards)
{
    public static HeldShards None { get; } = new(0, []);
}
