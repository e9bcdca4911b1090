using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Odin.Gateway.Connections;
using Odin.Gateway.Hub;
using Odin.Gateway.Identities;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Auth;
using Odin.ClusterPrimitives.Observability;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;

namespace Odin.Gateway;

/// <summary>
/// <c>AddOdinGateway()</c> / <c>MapOdinGateway()</c>: the device hub with its authentication, limits,
/// revocation and metrics, used by the Gateway executable and, in single-node mode, by Odin.Hosting.
/// The caller registers an <see cref="IDeviceTokenKeys"/>. Notifications arrive on the
/// <see cref="Odin.ClusterPrimitives.Notifications.INotificationBus"/> (Redis when <c>Odin:Redis:Configuration</c> is
/// set) and go out to this instance's connections; SignalR's groups here are local bookkeeping.
/// </summary>
public static class GatewayComposition
{
    public static ISignalRServerBuilder AddOdinGateway(this IServiceCollection services, IConfiguration configuration)
    {
        var redis = RedisOptions.Read(configuration);
        var gateway = services.AddValidatedOptions<GatewayOptions>(configuration, GatewayOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOdinClusterPrimitives(redis);
        services.AddOdinObservability("odin-gateway", GatewayMetrics.MeterName);
        services.AddDeviceTokenAuthentication(HubPaths.Device);
        // The device scheme is the only one and the default, so the policy names none: naming it would authenticate
        // every connection a second time and keep a second principal for the connection's life.
        services.AddAuthorizationBuilder().AddPolicy(DeviceHub.AuthorizationPolicy, policy => policy
            .RequireAuthenticatedUser()
            .RequireClaim(DeviceTokenClaims.TenantId));
        services.AddSingleton<LocalConnections>();
        services.AddSingleton<SlowConsumers>();
        services.AddSingleton<Odin.ClusterPrimitives.Reports.IRecentEvents>(sp => sp.GetRequiredService<SlowConsumers>());
        services.AddSingleton<DeviceLifetimeManager>();
        services.AddSingleton<HubLifetimeManager<DeviceHub>>(sp => sp.GetRequiredService<DeviceLifetimeManager>());
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<Odin.ClusterPrimitives.Reports.IInstanceFigures>(sp => sp.GetRequiredService<GatewayMetrics>());
        services.AddInstrumentsAtStart<GatewayMetrics>();
        services.AddSingleton<ConnectionRefusal>();
        services.AddSingleton<DeviceHubBehavior>();
        services.AddSingleton<IUserIdProvider, DeviceUserIdProvider>();
        services.AddHostedService<RevocationListener>();
        services.AddSingleton<IdentityStreams>();
        services.AddHostedService(sp => sp.GetRequiredService<IdentityStreams>());
        services.AddSingleton<GatewayDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayDrain>());
        services.AddHealthChecks().AddCheck<DrainReadinessCheck>("gateway-drain", tags: [HealthTags.Ready]);
        services.AddSingleton<PresenceTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceTracker>());
        services.Configure<HostOptions>(host => host.ShutdownTimeout = gateway.DrainTimeout + TimeSpan.FromSeconds(5));

        var signalR = services
            .AddSignalR(options =>
            {
                options.MaximumReceiveMessageSize = gateway.MaxReceiveMessageSize;
                // A failing call returns its HubException message; other exceptions stay generic.
                options.EnableDetailedErrors = false;
                options.AddFilter<CallBudgetFilter>();
            })
            .AddJsonProtocol()
            .AddMessagePackProtocol();
        ExplainBindingFailures(services);
        if (redis.IsCluster)
        {
            services.AddRedisReadiness();
        }

        return signalR;
    }

    /// <summary>Wraps each hub protocol registered so far in <see cref="ExplainingHubProtocol"/>.</summary>
    private static void ExplainBindingFailures(IServiceCollection services)
    {
        foreach (var protocol in services.Where(s => s.ServiceType == typeof(IHubProtocol) && s.ImplementationType is not null).ToList())
        {
            services.Remove(protocol);
            services.AddSingleton<IHubProtocol>(sp => new ExplainingHubProtocol((IHubProtocol)ActivatorUtilities.CreateInstance(sp, protocol.ImplementationType!)));
        }
    }

    /// <summary>
    /// For a process that owns its signals (the executables, not a test host): SIGTERM, SIGINT and SIGQUIT drain
    /// the devices before the application stops (<see cref="DrainFirstLifetime"/>).
    /// </summary>
    public static IServiceCollection DrainOnSignals(this IServiceCollection services) =>
        services.AddSingleton<IHostLifetime, DrainFirstLifetime>();

    public static IEndpointConventionBuilder MapOdinGateway(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHub<DeviceHub>(HubPaths.Device, options =>
        {
            // Devices connect WebSockets-only with skip-negotiation, which needs no sticky sessions.
            options.Transports = HttpTransportType.WebSockets;
            // A connection ends when its (short-lived) token expires; the device fetches a new one and reconnects.
            options.CloseOnAuthenticationExpiration = true;
        });
}
