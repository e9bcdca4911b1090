using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>
/// One real Redis and PostgreSQL with one in-process cluster (3 Hosting, 2 Gateways) for the tests that
/// only create their own tenants. Tests that stop servers make their own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "shared-cluster";
}

public sealed class SharedCluster : IAsyncLifetime
{
    private ClusterOnOwnServers _servers = null!;

    public InProcessCluster Cluster => _servers.Cluster;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 3);

    public async Task DisposeAsync() => await _servers.DisposeAsync();
}

/// <summary>
/// The benchmark harness's smoke runs: each starts servers and hundreds of devices in this process, which would starve
/// the thread pool other tests' Redis replies wait on, and another test's load would disturb the counts they check
/// (allocations per delivery). They run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadTestCollection
{
    public const string Name = "load-tests";
}
