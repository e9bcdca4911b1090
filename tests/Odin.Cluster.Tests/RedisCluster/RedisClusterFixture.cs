using Odin.Testing;

namespace Odin.Cluster.Tests.RedisCluster;

/// <summary>
/// A real Redis Cluster (3 masters, 3 replicas) and PostgreSQL with an in-process cluster on them: 2 Hosting
/// instances and 3 Gateways. Gateway 2 is never given a device, so Redis's own counters can show it hears nothing.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis-cluster";
}

public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();

    public RedisClusterServer Redis { get; } = new();

    public InProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Redis.InitializeAsync(), _postgres.InitializeAsync());
        Cluster = await InProcessCluster.StartAsync(Redis, _postgres, hostingCount: 2, gatewayCount: 3);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Redis.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
