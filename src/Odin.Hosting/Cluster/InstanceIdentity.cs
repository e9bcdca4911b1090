namespace Odin.Hosting.Cluster;

/// <summary>
/// This process among the cluster's instances: host name, process id and a random suffix (a restarted process
/// on the same host and pid is still a new instance). Names job runners, the leader lease holder and the
/// instance's own temp folder.
/// </summary>
public sealed class InstanceIdentity
{
    public string Name { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
