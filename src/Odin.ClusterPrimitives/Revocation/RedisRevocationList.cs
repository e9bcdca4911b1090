using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Revocation;

/// <summary>The cluster revocation list: one key per revoked device or identity, with a time to live.</summary>
public sealed class RedisRevocationList(IConnectionMultiplexer redis, RedisNames names) : IRevocationList
{
    public Task AddAsync(Revoked revoked, TimeSpan remember) =>
        redis.GetDatabase().StringSetAsync(Key(revoked), 1, remember);

    public Task RemoveAsync(Revoked revoked) => redis.GetDatabase().KeyDeleteAsync(Key(revoked));

    public async Task<bool> RefusesAsync(Guid tenantId, Guid deviceId)
    {
        // Degrade, don't die: while Redis is away a connecting device is let in; its token still expires.
        if (!redis.IsConnected)
        {
            return false;
        }

        try
        {
            // Both keys carry the identity's hash tag: one EXISTS, one slot, on one Redis or a Redis Cluster.
            return await redis.GetDatabase().KeyExistsAsync([names.RevokedIdentity(tenantId), names.RevokedDevice(tenantId, deviceId)]) > 0;
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            return false;
        }
    }

    private RedisKey Key(Revoked revoked) => revoked.DeviceId is { } device
        ? names.RevokedDevice(revoked.TenantId, device)
        : names.RevokedIdentity(revoked.TenantId);
}
