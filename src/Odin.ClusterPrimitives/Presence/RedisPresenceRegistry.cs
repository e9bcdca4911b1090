using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Presence;

/// <summary>
/// A sorted set per identity (<see cref="RedisNames.Presence"/>): member <c>{deviceId}/{connectionId}</c>, score
/// the entry's expiry (Unix ms). Reads skip and trim expired members, so a crashed gateway's connections vanish
/// when their last refresh runs out.
/// </summary>
public sealed class RedisPresenceRegistry(IConnectionMultiplexer redis, RedisNames names, TimeProvider time) : IPresenceRegistry
{
    /// <summary>Identities whose commands are written before their answers are awaited, in one refresh round.</summary>
    public const int RefreshBatch = 1000;

    public Task SetAsync(Guid tenantId, IReadOnlyCollection<OnlineConnection> connections) =>
        Send(redis.GetDatabase(), tenantId, connections, Expiry());

    public async Task<IReadOnlyList<Guid>> RefreshAsync(IReadOnlyDictionary<Guid, IReadOnlyCollection<OnlineConnection>> byTenant)
    {
        var database = redis.GetDatabase();
        var failed = new List<Guid>();
        foreach (var batch in byTenant.Chunk(RefreshBatch))
        {
            // Every identity's commands go out on the one connection back to back (StackExchange.Redis pipelines
            // what is not awaited); their answers are awaited together, each on its own, so one failure is one.
            var expires = Expiry();
            var sent = batch.Select(tenant => (tenant.Key, Sent: SendOrFault(database, tenant.Key, tenant.Value, expires))).ToList();
            foreach (var (tenantId, task) in sent)
            {
                try
                {
                    await task;
                }
                catch (Exception ex) when (RedisFailures.Is(ex))
                {
                    failed.Add(tenantId);
                }
            }
        }

        return failed;
    }

    /// <summary>A command refused as it is sent (Redis away: fail fast) becomes that identity's failure, not the round's.</summary>
    private Task SendOrFault(IDatabaseAsync database, Guid tenantId, IReadOnlyCollection<OnlineConnection> connections, long expires)
    {
        try
        {
            return Send(database, tenantId, connections, expires);
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            return Task.FromException(ex);
        }
    }

    private long Expiry() => (time.GetUtcNow() + PresenceTiming.Ttl).ToUnixTimeMilliseconds();

    /// <summary>The set's entries and its expiry, sent at once, in this order on the connection: the whole set goes when nobody refreshes it.</summary>
    private Task Send(IDatabaseAsync database, Guid tenantId, IReadOnlyCollection<OnlineConnection> connections, long expires)
    {
        var key = names.Presence(tenantId);
        return Task.WhenAll(
            database.SortedSetAddAsync(key, [.. connections.Select(c => new SortedSetEntry(Member(c), expires))]),
            database.KeyExpireAsync(key, PresenceTiming.Ttl * 2));
    }

    public Task RemoveAsync(Guid tenantId, OnlineConnection connection) =>
        redis.GetDatabase().SortedSetRemoveAsync(names.Presence(tenantId), Member(connection));

    public async Task<IReadOnlyList<OnlineConnection>> OnlineAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var database = redis.GetDatabase();
        await database.SortedSetRemoveRangeByScoreAsync(names.Presence(tenantId), double.NegativeInfinity, now, Exclude.Stop);
        var members = await database.SortedSetRangeByScoreAsync(names.Presence(tenantId), now, double.PositiveInfinity);
        return [.. members.Select(m => Parse(m!)).OfType<OnlineConnection>()];
    }

    private static string Member(OnlineConnection connection) => $"{connection.DeviceId:N}/{connection.ConnectionId}";

    private static OnlineConnection? Parse(string member)
    {
        var slash = member.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && Guid.TryParse(member.AsSpan(0, slash), out var device) ? new OnlineConnection(device, member[(slash + 1)..]) : null;
    }
}
