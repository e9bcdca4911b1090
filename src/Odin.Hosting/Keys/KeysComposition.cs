using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Odin.Hosting.Auth;
using Odin.Hosting.Edge;
using Odin.Hosting.Common;
using Odin.ClusterPrimitives;

namespace Odin.Hosting.Keys;

public static class KeysComposition
{
    public const string EncryptionKeySetting = "Odin:Keys:EncryptionKey";

    /// <summary>Opens what it sealed, never seals: the key coming or going while the encryption key is rotated (docs/operations.md).</summary>
    public const string AlsoAcceptedEncryptionKeySetting = "Odin:Keys:AlsoAcceptedEncryptionKey";

    /// <summary>
    /// The key store and the key that encrypts private keys at rest (<c>Odin__Keys__EncryptionKey</c>, base64 of
    /// 32 random bytes): required in a cluster (the same on every instance); generated into
    /// <c>data/keys-encryption-key</c> on a single node when unset.
    /// </summary>
    public static IServiceCollection AddKeys(this IServiceCollection services, IConfiguration configuration, bool singleNode)
    {
        var configured = configuration[EncryptionKeySetting];
        byte[][] alsoAccepted = configuration[AlsoAcceptedEncryptionKeySetting] is { } other && !string.IsNullOrWhiteSpace(other)
            ? [Decode(other, "Odin__Keys__AlsoAcceptedEncryptionKey")]
            : [];
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!singleNode)
            {
                throw new StartupConfigurationException("Odin__Keys__EncryptionKey is required when Odin__Redis__Configuration is set (cluster mode): base64 of 32 random bytes, the same on every instance (openssl rand -base64 32).");
            }

            // Created when first needed: after every setting has been validated.
            services.AddSingleton(_ => new KeyEncryption(Decode(LocalSecretFile.LoadOrCreate(
                "data/keys-encryption-key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), "the key that encrypts private keys at rest"),
                "Odin__Keys__EncryptionKey"), alsoAccepted));
        }
        else
        {
            services.AddSingleton(new KeyEncryption(Decode(configured, "Odin__Keys__EncryptionKey"), alsoAccepted));
        }

        services.AddSingleton<KeyStore>();
        services.AddSingleton<StoredSecretsReencryption>();
        return services;
    }

    private static byte[] Decode(string configured, string setting)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(configured.Trim());
        }
        catch (FormatException)
        {
            key = [];
        }

        return key.Length == 32
            ? key
            : throw new StartupConfigurationException($"{setting} must be base64 of exactly 32 bytes (openssl rand -base64 32).");
    }

    /// <summary><c>POST /api/v1/admin/keys/re-encrypt</c>: step 3 of rotating the encryption key (<see cref="StoredSecretsReencryption"/>).</summary>
    public static IEndpointRouteBuilder MapKeyAdministration(this IEndpointRouteBuilder api)
    {
        api.MapPost("/admin/keys/re-encrypt", async (StoredSecretsReencryption reencryption, HttpContext context) =>
                TypedResults.Ok(await reencryption.RunAsync(context.RequestAborted)))
            .RequireAdmin().WithRateLimit(RateLimitClass.Admin).WithTags("Admin")
            .WithSummary("Seal every stored private key under the current encryption key (run during a rotation until reEncrypted is 0)");
        return api;
    }

    /// <summary><c>GET /.well-known/odin/identity-key</c>: the identity's public signing key as a JWK (created on first request).</summary>
    public static IEndpointRouteBuilder MapIdentityKey(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/odin/identity-key", async (HttpContext context, KeyStore keys) =>
            {
                var pair = await keys.GetOrCreateAsync(context.Tenant().Id.ToString(), KeyKind.Identity, context.RequestAborted);
                using var key = ECDsa.Create();
                key.ImportFromPem(pair.PublicKeyPem);
                var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(key));
                return TypedResults.Ok(new PublicJsonWebKey(jwk.Kty, jwk.Crv, jwk.X, jwk.Y, null, "sig", "ES384"));
            })
            .ForTenantHost().WithTags("Keys").WithSummary("The identity's public signing key (ECDSA P-384) as a JWK");
        return app;
    }
}
