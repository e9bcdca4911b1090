using Odin.Hosting.Cluster;
using Odin.ClusterPrimitives;

namespace Odin.Hosting.LastSeen;

public static class LastSeenComposition
{
    /// <summary>When each device was last seen: noted in memory, flushed by every instance, pruned by the leader.</summary>
    public static IServiceCollection AddLastSeen(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<LastSeenTracker>();
        services.AddSingleton<LastSeenStore>();
        services.AddEveryInstance<LastSeenFlusher>();
        services.AddLeaderOnly<LastSeenPruner>();
        services.AddValidatedOptions<LastSeenOptions>(configuration, LastSeenOptions.Section);
        return services;
    }
}
