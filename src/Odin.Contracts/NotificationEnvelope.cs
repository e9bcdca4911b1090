using MessagePack;

namespace Odin.Contracts;

/// <summary>
/// One notification as a device receives it. Drive events always carry <see cref="DriveId"/>,
/// <see cref="FileId"/> and <see cref="VersionTag"/>. <see cref="Seq"/> increases per tenant with no
/// gaps; presence events are live-only and carry <c>seq = 0</c>.
/// </summary>
/// <remarks>
/// MessagePack names are case-sensitive, so every member has an explicit camelCase key equal to its
/// JSON name. Ids are GUID strings and <see cref="At"/> is Unix milliseconds in both protocols, so a
/// JavaScript client reads the same shape whichever protocol it picked.
/// </remarks>
[MessagePackObject]
public sealed record NotificationEnvelope
{
    /// <summary>Unique id of this notification (idempotency key).</summary>
    [Key("id")] public required Guid Id { get; init; }

    /// <summary>Per-tenant sequence number, assigned when the change was committed.</summary>
    [Key("seq")] public required long Seq { get; init; }

    /// <summary>One of <see cref="NotificationTypes"/>.</summary>
    [Key("type")] public required string Type { get; init; }

    [Key("tenantId")] public required Guid TenantId { get; init; }

    [Key("driveId")] public Guid? DriveId { get; init; }

    [Key("fileId")] public Guid? FileId { get; init; }

    [Key("versionTag")] public string? VersionTag { get; init; }

    /// <summary>When the change was committed, Unix time in milliseconds.</summary>
    [Key("at")] public required long At { get; init; }

    /// <summary>Optional JSON text with type-specific details.</summary>
    [Key("data")] public string? Data { get; init; }
}
