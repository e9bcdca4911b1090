using System.Diagnostics.Metrics;
using Odin.Hosting.Notifications;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Redis;
using Odin.ClusterPrimitives.Observability;

namespace Odin.Hosting.Cluster;

public static class LeaderComposition
{
    /// <summary>Leader election, chosen once: a Redis lease in a cluster, always-leader on a single node.</summary>
    public static IServiceCollection AddLeaderElection(this IServiceCollection services, IConfiguration configuration, RedisOptions redis)
    {
        services.AddValidatedOptions<LeaderOptions>(configuration, LeaderOptions.Section);
        if (redis.IsCluster)
        {
            services.AddEveryInstance<RedisLeaderElection>(); // it is the election: SET NX lets one win
            services.AddSingleton<ILeaderElection>(sp => sp.GetRequiredService<RedisLeaderElection>());
        }
        else
        {
            services.AddSingleton<ILeaderElection, SingleNodeLeaderElection>();
        }

        services.AddSingleton<LeaderMetrics>();
        services.AddInstrumentsAtStart<LeaderMetrics>();
        return services;
    }

    /// <summary>Distributed locks, chosen once: RedLock on Redis in a cluster, in-process on a single node.</summary>
    public static IServiceCollection AddDistributedLocks(this IServiceCollection services, IConfiguration configuration, RedisOptions redis)
    {
        services.AddValidatedOptions<Locks.LockOptions>(configuration, Locks.LockOptions.Section);
        if (redis.IsCluster)
        {
            services.AddSingleton<Locks.IDistributedLock, Locks.RedLockDistributedLock>();
        }
        else
        {
            services.AddSingleton<Locks.IDistributedLock, Locks.InProcessDistributedLock>();
        }

        return services;
    }

    /// <summary><c>GET /health/leader</c>: whether this instance leads, and its fencing token.</summary>
    public static IEndpointRouteBuilder MapLeaderStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/leader", (ILeaderElection election, IEnumerable<BackgroundServiceDeclaration> services, LeaderMetrics _) =>
                TypedResults.Ok(new LeaderStatus(election.Current is not null, election.Current?.FencingToken, [.. services])))
            .WithTags("Health").WithSummary("Whether this instance leads the leader-only work, and where each background service runs")
            .Produces<LeaderStatus>();
        return app;
    }
}

public sealed record LeaderStatus(bool Leader, long? FencingToken, IReadOnlyList<BackgroundServiceDeclaration> BackgroundServices);

/// <summary><c>odin_leader</c>: 1 on the instance that leads, 0 elsewhere.</summary>
public sealed class LeaderMetrics
{
    public LeaderMetrics(IMeterFactory meters, ILeaderElection election) =>
        meters.Create(NotificationMetrics.MeterName).CreateObservableGauge("odin.leader", () => election.Current is null ? 0 : 1,
            description: "1 while this instance leads the leader-only background work");
}
