using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Odin.Shared.Observability;
using StackExchange.Redis;

namespace Odin.Shared.Redis;

public static class RedisComposition
{

    /// <summary>
    /// Odin's own Redis connection (pub/sub, revocation list; not the backplane's) and its names. It never
    /// blocks start-up: with Redis down the process starts and connects when Redis comes back.
    /// </summary>
    public static IServiceCollection AddOdinRedis(this IServiceCollection services, RedisOptions options)
    {
        var health = new RedisHealth();
        services.AddSingleton(health);
        services.AddSingleton(new RedisNames(options.ChannelPrefix));
        services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var connection = ConnectionMultiplexer.Connect(Configure(options.Configuration));
            health.Watch(connection);
            return connection;
        });
        return services;
    }

    /// <summary>
    /// Makes readiness depend on Redis: for a gateway, which cannot deliver other instances' notifications
    /// without it. (Odin.Hosting stays ready: it keeps accepting writes, whose notifications wait in the outbox.)
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

    /// <summary>The SignalR Redis backplane under <see cref="RedisNames.SignalRBackplane"/>, watched by <see cref="RedisHealth"/>.</summary>
    public static ISignalRServerBuilder AddOdinBackplane(this ISignalRServerBuilder signalR, RedisOptions options)
    {
        signalR.AddStackExchangeRedis();
        signalR.Services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>().Configure<RedisHealth>((backplane, health) =>
        {
            backplane.Configuration = Configure(options.Configuration);
            // Fail publishes at once while Redis is down rather than queueing them to be sent on reconnect,
            // possibly before the gateways have subscribed again: the dispatcher then keeps the rows pending
            // and publishes them again once Redis is back.
            backplane.Configuration.BacklogPolicy = BacklogPolicy.FailFast;
            backplane.Configuration.ChannelPrefix = RedisChannel.Literal(new RedisNames(options.ChannelPrefix).SignalRBackplane);
            backplane.ConnectionFactory = async log =>
            {
                var connection = await ConnectionMultiplexer.ConnectAsync(backplane.Configuration, log);
                health.Watch(connection);
                return connection;
            };
        });
        return signalR;
    }

    private static ConfigurationOptions Configure(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        // Start and keep retrying while Redis is down, instead of failing start-up.
        options.AbortOnConnectFail = false;
        return options;
    }
}
