using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Odin.ClusterPrimitives.Observability;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Redis;

public static class RedisComposition
{
    /// <summary>
    /// Odin's Redis connection (notification bus, broker, revocation list) and its names. It never
    /// blocks start-up: with Redis down the process starts and connects when Redis comes back.
    /// </summary>
    public static IServiceCollection AddOdinRedis(this IServiceCollection services, RedisOptions options)
    {
        try
        {
            ConfigurationOptions.Parse(options.Configuration);
        }
        catch (ArgumentException ex)
        {
            throw new StartupConfigurationException($"Odin__Redis__Configuration: {ex.Message.Split(" (Parameter", 2)[0].TrimEnd('.')} (a StackExchange.Redis configuration string such as redis:6379,user=odin,password=...).");
        }

        if (options.TrustedCaPath.Length > 0 && !File.Exists(options.TrustedCaPath))
        {
            throw new StartupConfigurationException($"Odin__Redis__TrustedCaPath: '{options.TrustedCaPath}' does not exist.");
        }

        var health = new RedisHealth();
        services.AddSingleton(health);
        services.TryAddSingleton(new RedisNames(options.ChannelPrefix));
        services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var connection = ConnectionMultiplexer.Connect(Configure(options));
            health.Watch(connection);
            return connection;
        });
        return services;
    }

    /// <summary>
    /// Makes readiness depend on Redis: for a gateway, which receives no notifications without it. (Odin.Hosting stays ready: it keeps accepting writes, whose notifications wait in the outbox.)
    /// </summary>
    public static IServiceCollection AddRedisReadiness(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<RedisReadinessCheck>("redis", tags: [HealthTags.Ready]);
        return services;
    }

    private sealed class RedisReadinessCheck(RedisHealth health) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(health.IsConnected ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Redis is unreachable"));
    }

    private static ConfigurationOptions Configure(RedisOptions redis)
    {
        var options = ConfigurationOptions.Parse(redis.Configuration);
        if (redis.TrustedCaPath.Length > 0)
        {
            options.TrustIssuer(redis.TrustedCaPath); // a private CA for the server's TLS certificate
        }

        // Start and keep retrying while Redis is down, instead of failing start-up.
        options.AbortOnConnectFail = false;
        // While Redis is down, fail commands at once instead of queueing them for the reconnect: a notification
        // publish then fails and stays pending in the outbox, rather than being sent at a moment when the
        // gateways may not have subscribed again yet.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }
}
