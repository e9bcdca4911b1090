using MessagePack;

namespace Odin.Shared.Realtime;

/// <summary>Answer to <c>Subscribe</c>.</summary>
[MessagePackObject]
public sealed record SubscribeResult
{
    /// <summary>Drives now subscribed.</summary>
    [Key("accepted")] public Guid[] Accepted { get; init; } = [];

    /// <summary>Drives the token does not grant (or over the subscription limit); nothing was subscribed for them.</summary>
    [Key("rejected")] public Guid[] Rejected { get; init; } = [];

    /// <summary>True when every notification after <c>ResumeFrom</c> was replayed.</summary>
    [Key("recovered")] public bool Recovered { get; init; }

    /// <summary>The newest seq the gateway knows for the tenant; 0 when it keeps no history.</summary>
    [Key("lastSeq")] public long LastSeq { get; init; }
}
