using Dapper;
using Microsoft.Extensions.Options;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Peer;

/// <summary>A transfer popped for delivery.</summary>
public sealed class OutgoingTransfer
{
    public Guid Id { get; init; }

    public Guid TenantId { get; init; }

    public string Sender { get; init; } = "";

    public string Recipient { get; init; } = "";

    public string DriveAlias { get; init; } = "";

    public Guid FileId { get; init; }

    public string VersionTag { get; init; } = "";

    public string? Metadata { get; init; }

    public byte[]? Content { get; init; }

    public string ContentHash { get; init; } = "";

    public int Attempts { get; init; }

    public string Popstamp { get; init; } = "";
}

/// <summary>The sender's side: transfers written with a snapshot of the file, popped, delivered, retried, given up.</summary>
public sealed class PeerOutbox(IDatabase database, IOptions<PeerOptions> options, TimeProvider time)
{
    internal static readonly PopstampTable Table = new("peer_outbox", "state = 'pending' AND next_attempt_at <= @now", "next_attempt_at");

    /// <summary>
    /// Snapshots a live file into a new pending transfer; null when the file does not exist. One statement, so
    /// the transfer exists if and only if the file did.
    /// </summary>
    public async Task<Guid?> CreateAsync(Guid tenantId, string recipient, string driveAlias, Guid driveId, Guid fileId, CancellationToken cancellationToken = default)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var file = await write.Connection.QuerySingleOrDefaultAsync<(string VersionTag, string? Metadata, byte[]? Content)>(
            "SELECT version_tag, metadata, content FROM files WHERE tenant_id = @tenantId AND drive_id = @driveId AND id = @fileId AND deleted = 0",
            new { tenantId, driveId, fileId }, write.Transaction);
        if (file.VersionTag is null)
        {
            return null;
        }

        var id = Guid.NewGuid();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await write.Connection.ExecuteAsync(
            """
            INSERT INTO peer_outbox (id, tenant_id, recipient, drive_alias, file_id, version_tag, metadata, content, content_hash, state, next_attempt_at, created_at)
            VALUES (@id, @tenantId, @recipient, @driveAlias, @fileId, @VersionTag, @Metadata, @Content, @hash, 'pending', @now, @now)
            """,
            new { id, tenantId, recipient, driveAlias, fileId, file.VersionTag, file.Metadata, file.Content, hash = PeerContent.Hash(file.Metadata, file.Content), now },
            write.Transaction);
        await write.CommitAsync(cancellationToken);
        return id;
    }

    /// <summary>Pops due transfers for delivery (see <see cref="PopstampTable"/>).</summary>
    public async Task<IReadOnlyList<OutgoingTransfer>> PopAsync(CancellationToken cancellationToken = default)
    {
        if (await Table.PopAsync(database, options.Value.BatchSize, Now, cancellationToken) is not { } popstamp)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<OutgoingTransfer>(
            """
            SELECT o.id AS Id, o.tenant_id AS TenantId, t.domain AS Sender, o.recipient AS Recipient, o.drive_alias AS DriveAlias,
                   o.file_id AS FileId, o.version_tag AS VersionTag, o.metadata AS Metadata, o.content AS Content,
                   o.content_hash AS ContentHash, o.attempts AS Attempts, o.popstamp AS Popstamp
            FROM peer_outbox o JOIN tenants t ON t.id = o.tenant_id WHERE o.popstamp = @popstamp
            """,
            new { popstamp })];
    }

    /// <summary>The recipient took it: delivered, content dropped. False when the claim was lost.</summary>
    public Task<bool> MarkDeliveredAsync(OutgoingTransfer transfer, CancellationToken cancellationToken = default) =>
        FinishAsync(transfer, "state = 'delivered', content = NULL, finished_at = @now, last_error = NULL", null, cancellationToken);

    /// <summary>
    /// The attempt failed: pending again after the back-off, or failed for good when <paramref name="permanent"/>
    /// or out of attempts.
    /// </summary>
    public Task<bool> MarkAttemptFailedAsync(OutgoingTransfer transfer, string error, bool permanent, CancellationToken cancellationToken = default)
    {
        var attempts = transfer.Attempts + 1;
        if (permanent || attempts >= options.Value.MaxAttempts)
        {
            return FinishAsync(transfer, "state = 'failed', attempts = @attempts, finished_at = @now, last_error = @error", new { attempts, error }, cancellationToken);
        }

        var delay = Common.Backoff.After(attempts, options.Value.RetryDelay, options.Value.MaxRetryDelay);
        return FinishAsync(transfer, "attempts = @attempts, next_attempt_at = @retryAt, last_error = @error",
            new { attempts, error, retryAt = Now + (long)delay.TotalMilliseconds }, cancellationToken);
    }

    /// <summary>What the sender confirms to the recipient that asks: only a pending transfer addressed to it.</summary>
    public async Task<PeerConfirmation?> ConfirmAsync(Guid tenantId, Guid transferId, string recipient, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PeerConfirmation>(
            """
            SELECT file_id AS FileId, version_tag AS VersionTag, content_hash AS ContentHash FROM peer_outbox
            WHERE id = @transferId AND tenant_id = @tenantId AND recipient = @recipient AND state = 'pending'
            """,
            new { transferId, tenantId, recipient });
    }

    public async Task<TransferStatus?> StatusAsync(Guid tenantId, Guid transferId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TransferStatus>(
            """
            SELECT id AS TransferId, recipient AS Recipient, state AS State, attempts AS Attempts, last_error AS LastError,
                   created_at AS CreatedAt, finished_at AS FinishedAt
            FROM peer_outbox WHERE id = @transferId AND tenant_id = @tenantId
            """,
            new { transferId, tenantId });
    }

    /// <summary>Deletes delivered and failed transfers that finished before <paramref name="before"/>.</summary>
    public async Task<int> DeleteFinishedAsync(long before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM peer_outbox WHERE state <> 'pending' AND finished_at < @before", new { before });
    }

    private async Task<bool> FinishAsync(OutgoingTransfer transfer, string set, object? extra, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(extra);
        parameters.AddDynamicParams(new { transfer.Id, transfer.Popstamp, now = Now });
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"UPDATE peer_outbox SET {set}, popstamp = NULL, popped_at = NULL WHERE id = @Id AND popstamp = @Popstamp", parameters) == 1;
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();
}
