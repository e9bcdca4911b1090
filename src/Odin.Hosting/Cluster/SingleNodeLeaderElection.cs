namespace Odin.Hosting.Cluster;

/// <summary>One node always leads, in one term that never ends.</summary>
public sealed class SingleNodeLeaderElection : ILeaderElection
{
    public LeaderTerm? Current { get; } = new(1, CancellationToken.None);
}
