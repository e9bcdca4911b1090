using Odin.Hosting.Cluster;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Observability;

namespace Odin.Hosting.Notifications;

public static class NotificationsComposition
{
    /// <summary>
    /// The transactional outbox and what publishes it: shards leased to instances, a dispatcher on every instance, woken
    /// on its own topic; the lag monitor behind readiness; the leader's pruning after the retention.
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<NotificationOutbox>();
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<NotificationMetrics>();
        services.AddInstrumentsAtStart<NotificationMetrics>();
        services.AddValidatedOptions<NotificationOptions>(configuration, NotificationOptions.Section);
        services.AddEveryInstance<OutboxShards>();
        services.AddEveryInstance<NotificationDispatcher>();
        services.AddEveryInstance<DispatchWakeRelay>();
        services.AddEveryInstance<OutboxMonitor>();
        services.AddLeaderOnly<OutboxPruner>();
        services.AddHealthChecks().AddCheck<OutboxLagCheck>("outbox", tags: [HealthTags.Ready]);
        return services;
    }
}
