namespace Odin.ClusterPrimitives.Reports;

/// <summary>
/// Where instances leave their <see cref="InstanceReport"/> and the dashboard reads them all: in memory for a single
/// node, one Redis hash for a cluster (so the page needs no route to each process). A report past its expiry is
/// gone: an instance that died drops off within it.
/// </summary>
public interface IInstanceReports
{
    Task PublishAsync(InstanceReport report);

    Task RemoveAsync(string instance);

    Task<IReadOnlyList<InstanceReport>> ReadAllAsync();
}
