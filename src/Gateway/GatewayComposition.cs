using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Hub;
using Odin.Shared.Auth;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Odin.Shared.Realtime;

namespace Odin.Gateway;

/// <summary>
/// <c>AddOdinGateway()</c> / <c>MapOdinGateway()</c>: the device hub with its authentication, used by the
/// Gateway executable and, in single-node mode, by Odin.Hosting. The caller registers an
/// <see cref="IDeviceTokenKeys"/> and, in a cluster, adds the Redis backplane to the returned builder.
/// </summary>
public static class GatewayComposition
{
    public static ISignalRServerBuilder AddOdinGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddDeviceTokenAuthentication(HubPaths.Device);
        services.AddAuthorizationBuilder().AddPolicy(DeviceHub.AuthorizationPolicy, policy => policy
            .AddAuthenticationSchemes(DeviceTokenAuthentication.Scheme)
            .RequireAuthenticatedUser()
            .RequireClaim(DeviceTokenClaims.TenantId));
        services.AddSingleton<IDeviceHubBehavior, DeviceHubBehavior>();
        services.AddSingleton<IUserIdProvider, DeviceUserIdProvider>();
        services.TryAddSingleton(TimeProvider.System);

        var maxMessage = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()?.MaxReceiveMessageSize
            ?? new GatewayOptions().MaxReceiveMessageSize;
        return services
            .AddSignalR(options =>
            {
                options.MaximumReceiveMessageSize = maxMessage;
                // A failing call returns its HubException message; other exceptions stay generic.
                options.EnableDetailedErrors = false;
            })
            .AddJsonProtocol()
            .AddMessagePackProtocol();
    }

    public static IEndpointConventionBuilder MapOdinGateway(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHub<DeviceHub>(HubPaths.Device, options =>
        {
            // Devices connect WebSockets-only with skip-negotiation, which needs no sticky sessions.
            options.Transports = HttpTransportType.WebSockets;
            // A connection ends when its (short-lived) token expires; the device fetches a new one and reconnects.
            options.CloseOnAuthenticationExpiration = true;
        });
}
