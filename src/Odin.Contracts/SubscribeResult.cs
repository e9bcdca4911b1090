using MessagePack;

namespace Odin.Contracts;

/// <summary>Answer to <c>Subscribe</c>.</summary>
[MessagePackObject]
public sealed record SubscribeResult
{
    /// <summary>Drives now subscribed.</summary>
    [Key("accepted")] public Guid[] Accepted { get; init; } = [];

    /// <summary>Drives the token does not grant (or over the subscription limit); nothing was subscribed for them.</summary>
    [Key("rejected")] public Guid[] Rejected { get; init; } = [];

    /// <summary>
    /// True when every notification after <c>ResumeFrom</c> was replayed (before this result). False, with a
    /// <c>Resync</c> message, when the history no longer covers the gap or its epoch changed.
    /// </summary>
    [Key("recovered")] public bool Recovered { get; init; }

    /// <summary>The newest seq in the identity's history (0: none yet).</summary>
    [Key("lastSeq")] public long LastSeq { get; init; }

    /// <summary>The history's epoch: send it back with <c>ResumeFrom</c> when resuming.</summary>
    [Key("epoch")] public string Epoch { get; init; } = "";
}
