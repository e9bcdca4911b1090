using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>JwtBearer set up to verify device tokens; shared by the Gateway and Odin.Hosting.</summary>
public static class DeviceTokenAuthentication
{
    public const string Scheme = "OdinDevice";

    /// <summary>Query parameter browsers use, since they cannot set headers on a WebSocket.</summary>
    public const string QueryParameter = "access_token";

    /// <summary>Registers the <see cref="Scheme"/> scheme. Keys come from <see cref="IDeviceTokenKeys"/>.</summary>
    public static IServiceCollection AddDeviceTokenAuthentication(this IServiceCollection services, string hubPathPrefix)
    {
        services.AddAuthentication(Scheme).AddJwtBearer(Scheme, options =>
        {
            options.MapInboundClaims = false;
            // A hub connection keeps its request, and so its authentication result, for as long as it lives: JwtBearer's
            // default (true) kept a copy of every device's token (2 KiB) in that result, and nothing here reads it back.
            options.SaveToken = false;
            options.Events = new JwtBearerEvents
            {
                // The Authorization header wins; the query parameter is accepted only on hub paths.
                OnMessageReceived = context =>
                {
                    if (string.IsNullOrEmpty(context.Request.Headers.Authorization)
                        && context.HttpContext.Request.Path.StartsWithSegments(hubPathPrefix)
                        && context.Request.Query.TryGetValue(QueryParameter, out var token))
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                },
                // A hub connection keeps its principal for as long as it lives: keep only the device's claims, not the
                // parsed token behind the handler's identity, and drop the header that carried the (verified) token.
                OnTokenValidated = context =>
                {
                    context.Principal = SlimPrincipal(context.Principal!);
                    if (context.HttpContext.Request.Path.StartsWithSegments(hubPathPrefix))
                    {
                        context.HttpContext.Request.Headers.Authorization = default;
                    }

                    return Task.CompletedTask;
                },
            };
        });
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<IDeviceTokenKeys, TimeProvider>((options, keys, time) =>
        {
            options.TimeProvider = time;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = DeviceTokenClaims.Issuer,
                ValidAudience = DeviceTokenClaims.Audience,
                ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                // The token is signed by its identity's key, which the installation key vouches for in the header
                // (TenantKeyCertificate). Installation keys are looked up on every validation, so a rotated key set
                // takes effect at once.
                IssuerSigningKeyResolver = (_, securityToken, _, _) =>
                    securityToken is JsonWebToken jwt
                    && jwt.TryGetHeaderValue<string>(TenantKeyCertificate.HeaderName, out var voucher)
                    && jwt.TryGetPayloadValue<string>(DeviceTokenClaims.TenantId, out var tenant) && Guid.TryParse(tenant, out var tenantId)
                    && TenantKeyCertificate.Verify(voucher, keys.ValidationKeys, tenantId) is { } tenantKey
                        ? [tenantKey]
                        : [],
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = DeviceTokenClaims.DeviceId,
            };
        });
        return services;
    }

    private static ClaimsPrincipal SlimPrincipal(ClaimsPrincipal principal) =>
        new(new ClaimsIdentity(
            principal.Claims
                .Where(c => c.Type is DeviceTokenClaims.DeviceId or DeviceTokenClaims.TenantId or DeviceTokenClaims.Domain or DeviceTokenClaims.Drive)
                .Select(c => new Claim(c.Type, c.Value)),
            Scheme, DeviceTokenClaims.DeviceId, roleType: null));
}
