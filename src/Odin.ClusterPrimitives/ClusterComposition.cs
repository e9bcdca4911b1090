using Odin.ClusterPrimitives.Reports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.Presence;
using Odin.ClusterPrimitives.PubSub;
using Odin.ClusterPrimitives.Redis;
using Odin.ClusterPrimitives.Revocation;

namespace Odin.ClusterPrimitives;

public static class ClusterComposition
{
    /// <summary>
    /// The cluster primitives both deployables use, chosen once: Redis implementations when
    /// <c>Odin:Redis:Configuration</c> is set, in-process ones otherwise. Safe to call twice (single node
    /// hosts the gateway inside Odin.Hosting).
    /// </summary>
    public static IServiceCollection AddOdinClusterPrimitives(this IServiceCollection services, RedisOptions redis)
    {
        if (services.Any(s => s.ServiceType == typeof(IPubSubBroker)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new RedisNames(redis.ChannelPrefix)); // names also key what a single node keeps (cache entries)
        services.AddOptions<HistoryOptions>().BindConfiguration(HistoryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (redis.IsCluster)
        {
            services.AddOdinRedis(redis);
            services.AddSingleton<IPubSubBroker, RedisPubSubBroker>();
            services.AddSingleton<IRevocationList, RedisRevocationList>();
            services.AddSingleton<RedisNotificationHistory>();
            services.AddSingleton<INotificationHistory>(sp => sp.GetRequiredService<RedisNotificationHistory>());
            services.AddSingleton<INotificationBus, RedisNotificationBus>();
            services.AddSingleton<IPresenceRegistry, RedisPresenceRegistry>();
            services.AddSingleton<IInstanceReports, RedisInstanceReports>();
        }
        else
        {
            services.AddSingleton<IPubSubBroker, InProcessPubSubBroker>();
            services.AddSingleton<IRevocationList, MemoryRevocationList>();
            services.AddSingleton<MemoryNotificationHistory>();
            services.AddSingleton<INotificationHistory>(sp => sp.GetRequiredService<MemoryNotificationHistory>());
            services.AddSingleton<INotificationBus, InProcessNotificationBus>();
            services.AddSingleton<IPresenceRegistry, MemoryPresenceRegistry>();
            services.AddSingleton<IInstanceReports, MemoryInstanceReports>();
        }

        services.AddSingleton<DeviceRevocations>();
        return services;
    }
}
