using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>Real servers and a real process cluster on one redis-server, owned by one test class (the tests in it may break things).</summary>
public class ProcessClusterFixture : ProcessClusterFixture<RedisServer>;

/// <summary>Real servers and a real process cluster on a <typeparamref name="TRedis"/>, owned by one test class.</summary>
public class ProcessClusterFixture<TRedis> : IAsyncLifetime
    where TRedis : IRedisDeployment, new()
{
    private readonly PostgresServer _postgres = new();

    public TRedis Redis { get; } = new();

    public ProcessCluster Cluster { get; private set; } = null!;

    /// <summary>Hosting instances: two behind HAProxy, and any more publishing their share of the outbox.</summary>
    protected virtual int HostingCount => 2;

    /// <summary>Environment for every process of the cluster, over its defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Redis.InitializeAsync(), _postgres.InitializeAsync());
        Cluster = await ProcessCluster.StartAsync(Redis, _postgres, Settings, HostingCount);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Redis.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
