namespace Odin.Hosting.Cluster;

/// <summary>Where a background service's work runs.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RunsOn>))]
public enum RunsOn
{
    /// <summary>On every instance: what it does is safe in parallel (the database claims its work, or it serves only this instance).</summary>
    EveryInstance,

    /// <summary>On the leader only (<see cref="LeaderBackgroundService"/>): work that must not run N times at once.</summary>
    Leader,
}

/// <summary>One background service and where it runs; listed at <c>/health/leader</c>.</summary>
public sealed record BackgroundServiceDeclaration(string Name, RunsOn RunsOn);

/// <summary>
/// The only way Odin.Hosting adds a background service: each says where it runs, so nothing runs N times by
/// accident. (docs/architecture.md lists them all with why that is safe.)
/// </summary>
public static class BackgroundServices
{
    public static IServiceCollection AddEveryInstance<T>(this IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        services.AddHostedService(sp => sp.GetRequiredService<T>());
        services.AddSingleton(new BackgroundServiceDeclaration(typeof(T).Name, RunsOn.EveryInstance));
        return services;
    }

    public static IServiceCollection AddLeaderOnly<T>(this IServiceCollection services)
        where T : LeaderBackgroundService
    {
        services.AddSingleton<T>();
        services.AddHostedService(sp => sp.GetRequiredService<T>());
        services.AddSingleton(new BackgroundServiceDeclaration(typeof(T).Name, RunsOn.Leader));
        return services;
    }
}
