using Odin.Contracts;

namespace Odin.Hosting.Notifications;

/// <summary>A row of the notification outbox, as the dispatcher reads it.</summary>
public sealed class OutboxNotification
{
    public Guid TenantId { get; init; }

    public long Seq { get; init; }

    /// <summary>Its identity's slot, as <c>outbox</c> holds it (<see cref="OutboxSlots.Of"/>; not read by <see cref="NotificationOutbox.AppendAsync"/>, which computes it).</summary>
    public int Slot { get; init; }

    public Guid Id { get; init; }

    public string Type { get; init; } = "";

    public Guid? DriveId { get; init; }

    public Guid? FileId { get; init; }

    public string? VersionTag { get; init; }

    public long At { get; init; }

    public string? Data { get; init; }

    /// <summary>The W3C trace context of the request that wrote it (null: not traced).</summary>
    public string? TraceParent { get; init; }

    public NotificationEnvelope ToEnvelope() => new()
    {
        Id = Id,
        Seq = Seq,
        Type = Type,
        TenantId = TenantId,
        DriveId = DriveId,
        FileId = FileId,
        VersionTag = VersionTag,
        At = At,
        Data = Data,
    };
}
