namespace Odin.ClusterPrimitives.Reports;

/// <summary>
/// What one process says of itself every few seconds, for the cluster dashboard: what it is, its version, whether it is
/// ready, its figures (counters are totals since it started; the page turns them into rates) and its recent events.
/// </summary>
/// <param name="Events">The latest events worth an operator's eye (a gateway's slow-consumer closes), newest first; null
/// from an instance of a version before them.</param>
public sealed record InstanceReport(
    string Kind,
    string Instance,
    string Version,
    bool Ready,
    DateTimeOffset ReportedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyDictionary<string, double> Figures,
    IReadOnlyDictionary<string, string> Status,
    IReadOnlyList<InstanceEvent>? Events);

/// <summary>Something that happened on an instance that the dashboard lists: what (<paramref name="Kind"/>, e.g. <c>slow-consumer</c>), when, and who.</summary>
public sealed record InstanceEvent(DateTimeOffset At, string Kind, string Detail);

/// <summary>What a deployable lists as its recent events (kept by a <see cref="RecentEvents"/>).</summary>
public interface IRecentEvents
{
    IEnumerable<InstanceEvent> Recent { get; }
}

/// <summary>What a deployable adds to its report (the gateway's devices, the Hosting instance's outbox and leadership).</summary>
public interface IInstanceFigures
{
    void Add(IDictionary<string, double> figures, IDictionary<string, string> status);
}
