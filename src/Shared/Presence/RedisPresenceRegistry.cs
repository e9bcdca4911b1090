using Odin.Shared.Redis;
using StackExchange.Redis;

namespace Odin.Shared.Presence;

/// <summary>
/// A sorted set per identity (<see cref="RedisNames.Presence"/>): member <c>{deviceId}/{connectionId}</c>, score
/// the entry's expiry (Unix ms). Reads skip and trim expired members, so a crashed gateway's connections vanish
/// when their last refresh runs out.
/// </summary>
public sealed class RedisPresenceRegistry(IConnectionMultiplexer redis, RedisNames names, TimeProvider time) : IPresenceRegistry
{
    public async Task SetAsync(Guid tenantId, IReadOnlyCollection<OnlineConnection> connections)
    {
        var expires = (time.GetUtcNow() + PresenceTiming.Ttl).ToUnixTimeMilliseconds();
        var key = names.Presence(tenantId);
        var database = redis.GetDatabase();
        // Both sent at once (one round trip, in this order on the connection): the whole set goes when nobody refreshes it.
        await Task.WhenAll(
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
