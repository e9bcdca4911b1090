using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Redis;

/// <summary>
/// What a Redis call throws when Redis is down or slow. <see cref="RedisTimeoutException"/> is a
/// <see cref="TimeoutException"/>, not a <see cref="RedisException"/>: catching only the latter lets a slow
/// Redis crash a background service (and with it the host).
/// </summary>
public static class RedisFailures
{
    public static bool Is(Exception exception) => exception is RedisException or RedisTimeoutException;
}
