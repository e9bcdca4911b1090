namespace Odin.Hosting.Cluster;

/// <summary>
/// Which instance leads the leader-only background work. A leader holds a lease and a fencing token that
/// only grows; work done as leader passes its token to the database (<see cref="LeaderFence"/>), so a leader
/// that lost its lease without noticing (a long pause) is refused there.
/// </summary>
public interface ILeaderElection
{
    /// <summary>The current term, when this instance leads; null otherwise.</summary>
    LeaderTerm? Current { get; }
}

/// <summary>One term of leadership: its fencing token, and a token cancelled the moment the term ends.</summary>
public sealed record LeaderTerm(long FencingToken, CancellationToken Ended);
