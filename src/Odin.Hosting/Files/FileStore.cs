using System.Security.Cryptography;
using Dapper;
using Odin.Hosting.Notifications;
using Odin.Hosting.Storage;
using Odin.Contracts;

namespace Odin.Hosting.Files;

public enum WriteOutcome
{
    Created,
    Updated,
    Deleted,

    /// <summary>The If-Match tag is stale, or the file exists and no tag was given, or it does not exist.</summary>
    PreconditionFailed,
}

public sealed record FileWriteResult(WriteOutcome Outcome, string? VersionTag = null, long Modified = 0, long Seq = 0);

public sealed class StoredFile
{
    public Guid Id { get; init; }

    public string VersionTag { get; init; } = "";

    public string? Metadata { get; init; }

    public byte[]? Content { get; init; }

    public long Modified { get; init; }
}

public sealed class FileChange
{
    public Guid FileId { get; init; }

    public string VersionTag { get; init; } = "";

    public bool Deleted { get; init; }

    public long Modified { get; init; }

    public long Seq { get; init; }
}

/// <summary>
/// Drive files with optimistic concurrency: every write is conditional on the version tag in the same
/// statement, and writes its notification in the same transaction (see <see cref="NotificationOutbox"/>).
/// Deleted files stay as tombstones so the changes feed can report them.
/// </summary>
public sealed class FileStore(IDatabase database, TimeProvider time, DispatchSignal dispatch)
{
    /// <summary>Creates (<paramref name="expectedTag"/> null) or replaces (tag given) a file.</summary>
    public Task<FileWriteResult> WriteAsync(
        Guid tenantId, Guid driveId, Guid fileId, string? expectedTag, string? metadata, byte[]? content, CancellationToken cancellationToken = default)
    {
        // Create-only inserts, or revives a tombstone; replace needs the current tag of a live file.
        var sql = expectedTag is null
            ? """
              INSERT INTO files (tenant_id, drive_id, id, version_tag, metadata, content, deleted, modified, seq)
              VALUES (@tenantId, @driveId, @fileId, @tag, @metadata, @content, 0, @now, @seq)
              ON CONFLICT (tenant_id, drive_id, id) DO UPDATE
                SET version_tag = excluded.version_tag, metadata = excluded.metadata, content = excluded.content,
                    deleted = 0, modified = excluded.modified, seq = excluded.seq
                WHERE files.deleted <> 0
              """
            : """
              UPDATE files SET version_tag = @tag, metadata = @metadata, content = @content, modified = @now, seq = @seq
              WHERE tenant_id = @tenantId AND drive_id = @driveId AND id = @fileId AND version_tag = @expectedTag AND deleted = 0
              """;
        var type = expectedTag is null ? NotificationTypes.FileAdded : NotificationTypes.FileModified;
        var outcome = expectedTag is null ? WriteOutcome.Created : WriteOutcome.Updated;
        return ChangeAsync(tenantId, driveId, fileId, sql, new { expectedTag, metadata, content }, type, outcome, cancellationToken);
    }

    /// <summary>Replaces the content of a live file whose tag is <paramref name="expectedTag"/>, keeping its metadata.</summary>
    public Task<FileWriteResult> ReplaceContentAsync(
        Guid tenantId, Guid driveId, Guid fileId, string expectedTag, byte[] content, CancellationToken cancellationToken = default) =>
        ChangeAsync(
            tenantId, driveId, fileId,
            """
            UPDATE files SET version_tag = @tag, content = @content, modified = @now, seq = @seq
            WHERE tenant_id = @tenantId AND drive_id = @driveId AND id = @fileId AND version_tag = @expectedTag AND deleted = 0
            """,
            new { expectedTag, content }, NotificationTypes.FileModified, WriteOutcome.Updated, cancellationToken);

    /// <summary>Deletes a live file whose tag is <paramref name="expectedTag"/>, leaving a tombstone.</summary>
    public Task<FileWriteResult> DeleteAsync(Guid tenantId, Guid driveId, Guid fileId, string expectedTag, CancellationToken cancellationToken = default) =>
        ChangeAsync(
            tenantId, driveId, fileId,
            """
            UPDATE files SET version_tag = @tag, metadata = NULL, content = NULL, deleted = 1, modified = @now, seq = @seq
            WHERE tenant_id = @tenantId AND drive_id = @driveId AND id = @fileId AND version_tag = @expectedTag AND deleted = 0
            """,
            new { expectedTag }, NotificationTypes.FileDeleted, WriteOutcome.Deleted, cancellationToken);

    public async Task<StoredFile?> GetAsync(Guid tenantId, Guid driveId, Guid fileId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StoredFile>(
            """
            SELECT id AS Id, version_tag AS VersionTag, metadata AS Metadata, content AS Content, modified AS Modified
            FROM files WHERE tenant_id = @tenantId AND drive_id = @driveId AND id = @fileId AND deleted = 0
            """,
            new { tenantId, driveId, fileId });
    }

    /// <summary>Changes of a drive after <paramref name="cursor"/> (a tenant seq), oldest first.</summary>
    public async Task<IReadOnlyList<FileChange>> ChangesAsync(Guid tenantId, Guid driveId, long cursor, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<FileChange>(
            """
            SELECT id AS FileId, version_tag AS VersionTag, deleted <> 0 AS Deleted, modified AS Modified, seq AS Seq
            FROM files WHERE tenant_id = @tenantId AND drive_id = @driveId AND seq > @cursor ORDER BY seq LIMIT @limit
            """,
            new { tenantId, driveId, cursor, limit })];
    }

    /// <summary>
    /// Creates or replaces a file whatever its current version, inside the caller's transaction (peer transfer:
    /// a received file is the sender's, and the newest version the sender sent wins). Notifies
    /// <c>fileAdded</c> or <c>fileModified</c>; the caller commits and then calls <see cref="DispatchSignal.Notify"/>.
    /// </summary>
    public async Task<FileWriteResult> PutInAsync(
        WriteTransaction write, Guid tenantId, Guid driveId, Guid fileId, string? metadata, byte[]? content)
    {
        var exists = await write.Connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM files WHERE tenant_id = @tenantId AND drive_id = @driveId AND id = @fileId AND deleted = 0",
            new { tenantId, driveId, fileId }, write.Transaction) == 1;
        return await ApplyAsync(
            write, tenantId, driveId, fileId,
            """
            INSERT INTO files (tenant_id, drive_id, id, version_tag, metadata, content, deleted, modified, seq)
            VALUES (@tenantId, @driveId, @fileId, @tag, @metadata, @content, 0, @now, @seq)
            ON CONFLICT (tenant_id, drive_id, id) DO UPDATE
              SET version_tag = excluded.version_tag, metadata = excluded.metadata, content = excluded.content,
                  deleted = 0, modified = excluded.modified, seq = excluded.seq
            """,
            new { metadata, content }, exists ? NotificationTypes.FileModified : NotificationTypes.FileAdded, exists ? WriteOutcome.Updated : WriteOutcome.Created);
    }

    private async Task<FileWriteResult> ChangeAsync(
        Guid tenantId, Guid driveId, Guid fileId, string sql, object extra, string type, WriteOutcome outcome, CancellationToken cancellationToken)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var result = await ApplyAsync(write, tenantId, driveId, fileId, sql, extra, type, outcome);
        if (result.Outcome == WriteOutcome.PreconditionFailed)
        {
            return result; // rolled back: the seq is not used
        }

        await write.CommitAsync(cancellationToken);
        dispatch.Notify(tenantId);
        return result;
    }

    /// <summary>Takes the tenant's next seq, runs the conditional write and appends its notification, in <paramref name="write"/>.</summary>
    private async Task<FileWriteResult> ApplyAsync(
        WriteTransaction write, Guid tenantId, Guid driveId, Guid fileId, string sql, object extra, string type, WriteOutcome outcome)
    {
        var tag = NewVersionTag();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var seq = await NotificationOutbox.NextSeqAsync(write, tenantId);
        var parameters = new DynamicParameters(extra);
        parameters.AddDynamicParams(new { tenantId, driveId, fileId, tag, now, seq });
        if (await write.Connection.ExecuteAsync(sql, parameters, write.Transaction) != 1)
        {
            return new FileWriteResult(WriteOutcome.PreconditionFailed);
        }

        await NotificationOutbox.AppendAsync(write, new OutboxNotification
        {
            TenantId = tenantId,
            Seq = seq,
            Id = Guid.NewGuid(),
            Type = type,
            DriveId = driveId,
            FileId = fileId,
            VersionTag = tag,
            At = now,
        });
        return new FileWriteResult(outcome, tag, now, seq);
    }

    private static string NewVersionTag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
