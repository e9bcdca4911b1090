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
    private readonly RedisServer _redis = new();
    private readonly PostgresServer _postgres = new();

    public InProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_redis.InitializeAsync(), _postgres.InitializeAsync());
        Cluster = await InProcessCluster.StartAsync(_redis, _postgres, hostingCount: 3);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await _redis.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
