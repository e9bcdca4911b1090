using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Odin.Hosting.Files;
using Odin.Hosting.Notifications;
using Odin.Hosting.Storage;
using Odin.Contracts;

namespace Odin.Hosting.Peer;

/// <summary>An accepted transfer popped for processing.</summary>
public sealed class IncomingTransfer
{
    public Guid Id { get; init; }

    public Guid TenantId { get; init; }

    public string Sender { get; init; } = "";

    public Guid TransferId { get; init; }

    public Guid DriveId { get; init; }

    public Guid FileId { get; init; }

    public string VersionTag { get; init; } = "";

    public string? Metadata { get; init; }

    public byte[]? Content { get; init; }

    public string Popstamp { get; init; } = "";
}

/// <summary>
/// The recipient's side: accepted transfers wait here until an instance pops one and puts it into the drive,
/// in one transaction with its notifications and the row's removal.
/// </summary>
public sealed class PeerInbox(IDatabase database, FileStore files, IOptions<PeerOptions> options, TimeProvider time)
{
    /// <summary>A transfer that failed this often to go into its drive is left for an operator to look at.</summary>
    public const int MaxAttempts = 5;

    internal static readonly PopstampTable Table = new("peer_inbox", $"attempts < {MaxAttempts}", "received_at");

    /// <summary>Stores an accepted transfer; a repeated delivery of the same transfer is ignored.</summary>
    public async Task AcceptAsync(Guid tenantId, string sender, Guid transferId, Guid driveId, Guid fileId, string versionTag, string? metadata, byte[]? content,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO peer_inbox (id, tenant_id, sender, transfer_id, drive_id, file_id, version_tag, metadata, content, received_at)
            VALUES (@id, @tenantId, @sender, @transferId, @driveId, @fileId, @versionTag, @metadata, @content, @now)
            ON CONFLICT (tenant_id, sender, transfer_id) DO NOTHING
            """,
            new { id = Guid.NewGuid(), tenantId, sender, transferId, driveId, fileId, versionTag, metadata, content, now = Now });
    }

    public async Task<IReadOnlyList<IncomingTransfer>> PopAsync(CancellationToken cancellationToken = default)
    {
        if (await Table.PopAsync(database, options.Value.BatchSize, Now, cancellationToken) is not { } popstamp)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<IncomingTransfer>(
            """
            SELECT id AS Id, tenant_id AS TenantId, sender AS Sender, transfer_id AS TransferId, drive_id AS DriveId, file_id AS FileId,
                   version_tag AS VersionTag, metadata AS Metadata, content AS Content, popstamp AS Popstamp
            FROM peer_inbox WHERE popstamp = @popstamp ORDER BY received_at
            """,
            new { popstamp })];
    }

    /// <summary>
    /// Puts the transfer into its drive — <c>inboxItemReceived</c>, then the file and its <c>fileAdded</c> (or
    /// <c>fileModified</c>) — and removes the inbox row, all in one transaction that commits only while this
    /// instance holds the popstamp. A version of the sender's file already taken in is not applied again.
    /// Returns false when nothing was committed (the claim was lost).
    /// </summary>
    public async Task<bool> ProcessAsync(IncomingTransfer transfer, CancellationToken cancellationToken = default)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var firstTime = await write.Connection.ExecuteAsync(
            """
            INSERT INTO peer_received (tenant_id, sender, file_id, version_tag, received_at) VALUES (@TenantId, @Sender, @FileId, @VersionTag, @now)
            ON CONFLICT DO NOTHING
            """,
            new { transfer.TenantId, transfer.Sender, transfer.FileId, transfer.VersionTag, now = Now }, write.Transaction) == 1;
        if (firstTime)
        {
            var receivedFileId = PeerContent.ReceivedFileId(transfer.Sender, transfer.FileId);
            await NotificationOutbox.AppendAsync(write, new OutboxNotification
            {
                TenantId = transfer.TenantId,
                Seq = await NotificationOutbox.NextSeqAsync(write, transfer.TenantId),
                Id = Guid.NewGuid(),
                Type = NotificationTypes.InboxItemReceived,
                DriveId = transfer.DriveId,
                FileId = receivedFileId,
                At = Now,
                Data = JsonSerializer.Serialize(new { sender = transfer.Sender, transferId = transfer.TransferId }),
            });
            await files.PutInAsync(write, transfer.TenantId, transfer.DriveId, receivedFileId, transfer.Metadata, transfer.Content);
        }

        if (await write.Connection.ExecuteAsync(
                "DELETE FROM peer_inbox WHERE id = @Id AND popstamp = @Popstamp", new { transfer.Id, transfer.Popstamp }, write.Transaction) != 1)
        {
            return false; // another instance holds it now: roll everything back
        }

        await write.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Processing failed: count the attempt and free the row for a later try.</summary>
    public async Task ReleaseAsync(IncomingTransfer transfer, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE peer_inbox SET popstamp = NULL, popped_at = NULL, attempts = attempts + 1 WHERE id = @Id AND popstamp = @Popstamp",
            new { transfer.Id, transfer.Popstamp });
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();
}
