using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Odin.Hosting.Common;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Auth;

public static class AuthComposition
{
    /// <summary>
    /// The device-token signing key, the admin key and request authentication. In single node a
    /// missing key file or admin key is created under <c>data/</c> (when first needed, which
    /// <see cref="OdinHostingApp.StartAsync"/> makes the moment after every setting was validated, so a bad
    /// setting leaves nothing behind); in a cluster both must be configured.
    /// </summary>
    public static IServiceCollection AddOdinAuth(this IServiceCollection services, IConfiguration configuration, bool singleNode)
    {
        var auth = services.AddValidatedOptions<AuthOptions>(configuration, AuthOptions.Section);
        var keyPath = auth.SigningKeyPath is { Length: > 0 } configured ? configured : (singleNode ? "data/signing-key.pem" : "");
        if (keyPath.Length == 0)
        {
            throw new StartupConfigurationException("Odin__Auth__SigningKeyPath is required when Odin__Redis__Configuration is set (cluster mode).");
        }

        if (singleNode)
        {
            services.AddSingleton(_ => SigningKey.Load(keyPath, createIfMissing: true, auth.AlsoAcceptedPublicKeyPath)); // created after validation
        }
        else
        {
            services.AddSingleton(SigningKey.Load(keyPath, createIfMissing: false, auth.AlsoAcceptedPublicKeyPath)); // creates nothing: checked now
        }

        services.AddSingleton<IDeviceTokenKeys>(sp => sp.GetRequiredService<SigningKey>());
        services.AddSingleton<ITenantDeviceKeys, StoredTenantDeviceKeys>();
        services.AddSingleton<DeviceTokenIssuer>();
        services.AddSingleton<LiveConnectionRevoker>();

        var admin = OptionsComposition.Check<AdminOptions>(configuration, AdminOptions.Section);
        var adminKey = admin.ApiKey;
        if (string.IsNullOrWhiteSpace(adminKey) && !singleNode)
        {
            throw new StartupConfigurationException("Odin__Admin__ApiKey is required when Odin__Redis__Configuration is set (cluster mode).");
        }

        services.Configure<AdminOptions>(options =>
        {
            options.ApiKey = string.IsNullOrWhiteSpace(adminKey)
                ? LocalSecretFile.LoadOrCreate("data/admin-key", () => Secrets.New("odin_admin_"), "the admin API key")
                : adminKey;
            options.PreviousApiKey = admin.PreviousApiKey;
        });
        return services;
    }

    /// <summary>Public keys as a JWK Set, for gateways that fetch them (<c>Odin__Auth__JwksUrl</c>).</summary>
    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/odin/jwks.json", (SigningKey key) => TypedResults.Ok(new JsonWebKeySetResponse([
            .. key.ValidationKeys.Cast<ECDsaSecurityKey>().Select(JsonWebKeyConverter.ConvertFromECDsaSecurityKey)
                .Select(jwk => new PublicJsonWebKey(jwk.Kty, jwk.Crv, jwk.X, jwk.Y, jwk.Kid, "sig", "ES256"))])))
            .WithTags("Auth").WithSummary("Public keys that verify device tokens (JWKS): the signing key's, then during a rotation the one coming or going");
        return app;
    }
}
