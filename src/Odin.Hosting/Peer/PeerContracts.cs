using System.Security.Cryptography;
using System.Text;

namespace Odin.Hosting.Peer;

/// <summary>Owner request: send a copy of a file to another identity's drive (by its alias there).</summary>
public sealed record SendFileRequest(string? Recipient, string? DriveAlias, Guid DriveId, Guid FileId);

public sealed record TransferAccepted(Guid TransferId);

/// <summary>A transfer as its sender sees it: <c>pending</c>, <c>delivered</c> or <c>failed</c> (with the last error).</summary>
public sealed class TransferStatus
{
    public Guid TransferId { get; init; }

    public string Recipient { get; init; } = "";

    public string State { get; init; } = "";

    public int Attempts { get; init; }

    public string? LastError { get; init; }

    public long CreatedAt { get; init; }

    public long? FinishedAt { get; init; }
}

/// <summary>What one Odin posts to another's <c>/api/v1/peer/inbox</c>.</summary>
/// <remarks>Metadata travels as JSON text, byte for byte, so the content hash the sender confirms is over the same bytes.</remarks>
public sealed record PeerDelivery(string? Sender, Guid TransferId, string? DriveAlias, Guid FileId, string? VersionTag, string? Metadata, byte[]? Content, string? ContentHash);

/// <summary>The sender's answer when a recipient asks it to confirm a transfer.</summary>
public sealed class PeerConfirmation
{
    public Guid FileId { get; init; }

    public string VersionTag { get; init; } = "";

    public string ContentHash { get; init; } = "";
}

public static class PeerContent
{
    /// <summary>SHA-256 over metadata and content: what the sender confirms and the recipient checks.</summary>
    public static string Hash(string? metadata, byte[]? content)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(metadata ?? ""));
        sha.AppendData([0]);
        sha.AppendData(content ?? []);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// The id a received file gets in the recipient's drive: the same for every delivery of one sender's file,
    /// so a repeated or newer delivery lands on the same file instead of creating another.
    /// </summary>
    public static Guid ReceivedFileId(string sender, Guid senderFileId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"odin-peer-file|{sender}|{senderFileId:N}")).AsSpan(0, 16));
}
