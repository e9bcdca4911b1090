using Odin.ClusterPrimitives.Presence;
using Odin.ClusterPrimitives.Redis;
using Odin.Testing;
using StackExchange.Redis;

namespace Odin.Cluster.Tests.Primitives;

/// <summary>
/// A gateway's presence refresh on a real redis-server: many identities sent together, and one identity Redis
/// refuses (its key holds a value of another type) is that identity's failure alone, not the end of the pass.
/// </summary>
public sealed class PresenceRefreshTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private readonly RedisNames _names = new($"odin-{Guid.NewGuid():N}");
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        // The suite runs beside other cluster tests on two cores: a reply may wait for this process's busy thread pool
        // longer than StackExchange.Redis's default 5 s before it counts as answered.
        _connection = await ConnectionMultiplexer.ConnectAsync($"{_redis.ConnectionString},asyncTimeout=30000");
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_refresh_of_thousands_of_identities_records_each_and_one_refusal_skips_only_that_identity()
    {
        var registry = new RedisPresenceRegistry(_connection, _names, TimeProvider.System);
        var byTenant = Enumerable.Range(0, 2500).ToDictionary(
            _ => Guid.NewGuid(), i => (IReadOnlyCollection<OnlineConnection>)[new OnlineConnection(Guid.NewGuid(), $"c{i}")]);
        var broken = byTenant.Keys.ElementAt(1234);
        await _connection.GetDatabase().StringSetAsync(_names.Presence(broken), "not a sorted set"); // WRONGTYPE for its ZADD

        var failed = await registry.RefreshAsync(byTenant);

        Assert.Equal([broken], failed);
        // Read back all together (pipelined), not 2499 round trips one after the other.
        var recorded = byTenant.Where(t => t.Key != broken).Select(async t => (Expected: t.Value, Online: await registry.OnlineAsync(t.Key))).ToList();
        foreach (var (expected, online) in await Task.WhenAll(recorded))
        {
            Assert.Equal(expected, online);
        }
    }
}
