using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Odin.Shared.Redis;

public static class RedisComposition
{
    /// <summary>Health-check tag of the checks that decide readiness.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Odin's own Redis connection (pub/sub, revocation list; not the backplane's), its names, and the
    /// <c>redis</c> readiness check. It never blocks start-up: with Redis down the process starts, reports
    /// not ready, and connects when Redis comes back.
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
        services.AddHealthChecks().AddCheck("redis", () => health.IsConnected
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Redis is unreachable"), [ReadyTag]);
        return services;
    }

    /// <summary>The SignalR Redis backplane under <see cref="RedisNames.SignalRBackplane"/>, watched by <see cref="RedisHealth"/>.</summary>
    public static ISignalRServerBuilder AddOdinBackplane(this ISignalRServerBuilder signalR, RedisOptions options)
    {
        signalR.AddStackExchangeRedis();
        signalR.Services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>().Configure<RedisHealth>((backplane, health) =>
        {
            backplane.Configuration = Configure(options.Configuration);
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
