namespace Odin.Testing;

/// <summary>
/// A fresh redis-server and PostgreSQL with an <see cref="InProcessCluster"/> on them, for tests that need the
/// servers to themselves (to stop Redis, or to configure the instances).
/// </summary>
public sealed class ClusterOnOwnServers : IAsyncDisposable
{
    private ClusterOnOwnServers(RedisServer redis, PostgresServer postgres, InProcessCluster cluster)
    {
        Redis = redis;
        Postgres = postgres;
        Cluster = cluster;
    }

    public RedisServer Redis { get; }

    public PostgresServer Postgres { get; }

    public InProcessCluster Cluster { get; }

    /// <param name="redis">The Redis to start (a TLS one, say); a plain one when null.</param>
    public static async Task<ClusterOnOwnServers> StartAsync(
        int hostingCount = 2, int gatewayCount = 2, IReadOnlyDictionary<string, string?>? hostingSettings = null,
        Func<int, IReadOnlyDictionary<string, string?>>? perHost = null, RedisServer? redis = null, IReadOnlyDictionary<string, string?>? gatewaySettings = null)
    {
        redis ??= new RedisServer();
        var postgres = new PostgresServer();
        await Task.WhenAll(redis.InitializeAsync(), postgres.InitializeAsync());
        return new ClusterOnOwnServers(redis, postgres, await InProcessCluster.StartAsync(redis, postgres, hostingCount, gatewayCount, hostingSettings, perHost, gatewaySettings));
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
