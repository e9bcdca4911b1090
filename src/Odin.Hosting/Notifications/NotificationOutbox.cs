using Dapper;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// The transactional outbox. <see cref="AppendAsync"/> runs inside the change's own transaction: it takes
/// the tenant's next seq (a row lock on the tenant held to commit, so seq order is commit order and a
/// rollback leaves no gap) and writes the notification row.
/// </summary>
public sealed class NotificationOutbox(IDatabase database)
{
    private const string Columns =
        "tenant_id AS TenantId, seq AS Seq, id AS Id, type AS Type, drive_id AS DriveId, file_id AS FileId, version_tag AS VersionTag, at AS At, data AS Data";

    /// <summary>Takes the tenant's next seq. Call first in the transaction, before the change it numbers.</summary>
    public static Task<long> NextSeqAsync(WriteTransaction write, Guid tenantId) =>
        write.Connection.ExecuteScalarAsync<long>(
            "UPDATE tenants SET last_seq = last_seq + 1 WHERE id = @tenantId RETURNING last_seq", new { tenantId }, write.Transaction);

    public static Task AppendAsync(WriteTransaction write, OutboxNotification notification) =>
        write.Connection.ExecuteAsync(
            """
            INSERT INTO notifications (tenant_id, seq, id, type, drive_id, file_id, version_tag, at, data)
            VALUES (@TenantId, @Seq, @Id, @Type, @DriveId, @FileId, @VersionTag, @At, @Data)
            """,
            notification, write.Transaction);

    /// <summary>Unpublished notifications, oldest first within each tenant.</summary>
    public async Task<IReadOnlyList<OutboxNotification>> ReadPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<OutboxNotification>(
            $"SELECT {Columns} FROM notifications WHERE published_at IS NULL ORDER BY tenant_id, seq LIMIT @limit", new { limit })];
    }

    public async Task MarkPublishedAsync(IEnumerable<OutboxNotification> published, long at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE notifications SET published_at = @at WHERE tenant_id = @TenantId AND seq = @Seq",
            published.Select(n => new { n.TenantId, n.Seq, at }));
    }
}
