namespace Odin.ClusterPrimitives.Reports;

/// <summary>
/// What one process says of itself every few seconds, for the cluster dashboard: what it is, its version, whether it is
/// ready, and its figures (counters are totals since it started; the page turns them into rates).
/// </summary>
public sealed record InstanceReport(
    string Kind,
    string Instance,
    string Version,
    bool Ready,
    DateTimeOffset ReportedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyDictionary<string, double> Figures,
    IReadOnlyDictionary<string, string> Status);

/// <summary>What a deployable adds to its report (the gateway's devices, the Hosting instance's outbox and leadership).</summary>
public interface IInstanceFigures
{
    void Add(IDictionary<string, double> figures, IDictionary<string, string> status);
}
