using Odin.Shared.Redis;
using StackExchange.Redis;

namespace Odin.Shared.Revocation;

/// <summary>The cluster revocation list: one key per device with a time to live.</summary>
public sealed class RedisRevocationList(IConnectionMultiplexer redis, RedisNames names) : IRevocationList
{
    public Task AddAsync(Guid deviceId, TimeSpan remember) =>
        redis.GetDatabase().StringSetAsync(names.RevokedDevice(deviceId), 1, remember);

    public async Task<bool> ContainsAsync(Guid deviceId)
    {
        // Degrade, don't die: while Redis is away a connecting device is let in; its token still expires.
        if (!redis.IsConnected)
        {
            return false;
        }

        try
        {
            return await redis.GetDatabase().KeyExistsAsync(names.RevokedDevice(deviceId));
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            return false;
        }
    }
}
