namespace Odin.Cluster.Tests.EndToEnd.Chaos;

/// <summary>
/// The process cluster of the chaos suite: 3 Hosting instances (the outbox's shards spread over them, and move when
/// one is killed), a history short enough that a device can be away longer than it covers.
/// </summary>
public sealed class ChaosClusterFixture : ProcessClusterFixture
{
    protected override int HostingCount => 3;

    /// <summary>Notifications per identity the history keeps.</summary>
    public const int HistoryLength = 300;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Odin__History__MaxLength"] = $"{HistoryLength}",
        ["Odin__History__MaxReplay"] = $"{HistoryLength}",
        // Hundreds of devices of a few identities: presence events would cost the square of that on every reconnect wave.
        ["Odin__Gateway__PresenceEvents"] = "false",
        // A killed instance's shards move within this (and its notifications wait that long).
        ["Odin__Notifications__ShardLease"] = "00:00:03",
        // Short, so that Redis_restarted sees the instances lag past it and go on taking writes.
        ["Odin__Notifications__LagBound"] = "00:00:02",
    };
}
