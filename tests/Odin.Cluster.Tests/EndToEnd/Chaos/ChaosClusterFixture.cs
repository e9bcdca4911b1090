namespace Odin.Cluster.Tests.EndToEnd.Chaos;

/// <summary>The process cluster of the chaos suite: a history short enough that a device can be away longer than it covers.</summary>
public sealed class ChaosClusterFixture : ProcessClusterFixture
{
    /// <summary>Notifications per identity the history keeps.</summary>
    public const int HistoryLength = 300;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Odin__History__MaxLength"] = $"{HistoryLength}",
        ["Odin__History__MaxReplay"] = $"{HistoryLength}",
        // Hundreds of devices of a few identities: presence events would cost the square of that on every reconnect wave.
        ["Odin__Gateway__PresenceEvents"] = "false",
    };
}
