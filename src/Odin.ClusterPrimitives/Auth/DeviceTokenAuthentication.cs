using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>The device-token scheme (<see cref="DeviceTokenHandler"/>), shared by the Gateway and Odin.Hosting.</summary>
public static class DeviceTokenAuthentication
{
    public const string Scheme = "OdinDevice";

    /// <summary>Query parameter browsers use, since they cannot set headers on a WebSocket.</summary>
    public const string QueryParameter = "access_token";

    /// <summary>
    /// Registers the <see cref="Scheme"/> scheme as the default. Keys come from <see cref="IDeviceTokenKeys"/>; the
    /// <see cref="QueryParameter"/> is accepted only under <paramref name="hubPathPrefix"/>.
    /// </summary>
    public static IServiceCollection AddDeviceTokenAuthentication(this IServiceCollection services, string hubPathPrefix)
    {
        services.AddSingleton<DeviceTokenValidation>();
        services.AddAuthentication(Scheme)
            .AddScheme<DeviceTokenOptions, DeviceTokenHandler>(Scheme, options => options.HubPathPrefix = hubPathPrefix);
        return services;
    }
}

/// <summary>Options of the <see cref="DeviceTokenAuthentication.Scheme"/> scheme.</summary>
public sealed class DeviceTokenOptions : AuthenticationSchemeOptions
{
    /// <summary>Requests under this path may carry the token as the <see cref="DeviceTokenAuthentication.QueryParameter"/>.</summary>
    public string HubPathPrefix { get; set; } = "";
}
