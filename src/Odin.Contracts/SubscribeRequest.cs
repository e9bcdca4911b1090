using MessagePack;

namespace Odin.Contracts;

/// <summary>Argument of <c>Subscribe</c>: the drives to follow and, when resuming, the last seq seen.</summary>
[MessagePackObject]
public sealed record SubscribeRequest
{
    [Key("driveIds")] public Guid[] DriveIds { get; init; } = [];

    /// <summary>Exclusive: the device wants every notification with <c>seq &gt; ResumeFrom</c>.</summary>
    [Key("resumeFrom")] public long? ResumeFrom { get; init; }

    /// <summary>The history epoch <c>ResumeFrom</c> belongs to (from an earlier <see cref="SubscribeResult.Epoch"/>).</summary>
    [Key("epoch")] public string? Epoch { get; init; }
}
