using System.Text.Json;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Odin.Hosting.Caching;

public static class CachingComposition
{
    /// <summary>
    /// <see cref="Level1Cache"/> on a named FusionCache: memory level always; in a cluster also the Redis
    /// level (so a restarted instance starts warm) and the Redis backplane (so a removal reaches every instance).
    /// </summary>
    public static IServiceCollection AddLevel1Cache(this IServiceCollection services, IConfiguration configuration, RedisOptions redis)
    {
        var options = services.AddValidatedOptions<Level1CacheOptions>(configuration, Level1CacheOptions.Section);
        var names = new RedisNames(redis.ChannelPrefix);
        var builder = services.AddFusionCache(names.CacheName)
            .WithOptions(fusion =>
            {
                fusion.CacheKeyPrefix = names.CacheKeyPrefix;
                // A Redis outage opens the circuit for 2 s at a time instead of paying a timeout per call.
                fusion.DistributedCacheCircuitBreakerDuration = TimeSpan.FromSeconds(2);
                fusion.BackplaneCircuitBreakerDuration = TimeSpan.FromSeconds(2);
            })
            .WithDefaultEntryOptions(new FusionCacheEntryOptions
            {
                Duration = options.Duration,
                // Serve the last good value when the database or Redis fails, instead of failing the request.
                IsFailSafeEnabled = true,
                FailSafeMaxDuration = options.FailSafeMaxDuration,
                FailSafeThrottleDuration = TimeSpan.FromSeconds(30),
                // A slow database answers from the stale value after 500 ms while the query finishes in the background.
                FactorySoftTimeout = TimeSpan.FromMilliseconds(500),
                FactoryHardTimeout = TimeSpan.FromSeconds(10),
                // Redis must not make requests slow: give up on its level after 100 ms (the memory level answers).
                DistributedCacheSoftTimeout = TimeSpan.FromMilliseconds(100),
                DistributedCacheHardTimeout = TimeSpan.FromSeconds(1),
                AllowBackgroundDistributedCacheOperations = true,
            })
            // IncludeFields: FusionCache's own entries contain value tuples, which System.Text.Json skips otherwise.
            .WithSerializer(new FusionCacheSystemTextJsonSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web) { IncludeFields = true }));
        if (redis.IsCluster)
        {
            // Both use Odin's own connection, which never blocks on connect and fails fast while Redis is down,
            // so FusionCache's timeouts and circuit breakers decide, not a connect attempt holding a thread.
            // The distributed cache is also registered on its own, for what must be read from Redis every time
            // (ACME HTTP-01 answers), without FusionCache's soft timeout turning a slow read into a miss.
            services.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(sp =>
                new RedisCache(new RedisCacheOptions { ConnectionMultiplexerFactory = SharedConnection(sp) }));
            builder
                .WithRegisteredDistributedCache()
                .WithBackplane(sp => new RedisBackplane(new RedisBackplaneOptions { ConnectionMultiplexerFactory = SharedConnection(sp) }));
        }

        else
        {
            services.AddDistributedMemoryCache(); // one node: the only instance the CA can reach is this one
        }

        services.AddSingleton(sp => new Level1Cache(
            sp.GetRequiredService<IFusionCacheProvider>().GetCache(names.CacheName),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Level1CacheOptions>>()));
        return services;
    }

    private static Func<Task<IConnectionMultiplexer>> SharedConnection(IServiceProvider services) =>
        () => Task.FromResult(services.GetRequiredService<IConnectionMultiplexer>());
}
