using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// Verifies a device token (an ES256 JWT) with Microsoft.IdentityModel and makes the device's principal. One instance
/// serves every request: its validation parameters are built once, not copied per request, and the principal holds
/// the device's claims alone, read from the token's payload, since a hub connection keeps it for as long as it lives.
/// </summary>
public sealed class DeviceTokenValidation
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    public DeviceTokenValidation(IDeviceTokenKeys keys)
    {
        _parameters = new TokenValidationParameters
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
        };
    }

    /// <summary>
    /// The device's principal and when its token expires, or the reason it is refused (for the log: it names no key,
    /// claim value or exception).
    /// </summary>
    public async Task<(ClaimsPrincipal? Principal, DateTimeOffset ExpiresAt, string? Refusal)> ValidateAsync(ReadOnlyMemory<char> token, string scheme)
    {
        // A compact JWS has three parts; anything else (an owner token, say) is not read at all.
        if (token.Length > _handler.MaximumTokenSizeInBytes || token.Span.Count('.') != 2)
        {
            return (null, default, "not a compact JWT");
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return (null, default, "malformed JWT");
        }

        var result = await _handler.ValidateTokenAsync(jwt, _parameters);
        if (!result.IsValid)
        {
            return (null, default, result.Exception?.GetType().Name ?? "invalid");
        }

        return (new ClaimsPrincipal(DeviceClaims(jwt, scheme)), new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), null);
    }

    private static ClaimsIdentity DeviceClaims(JsonWebToken jwt, string scheme)
    {
        var identity = new ClaimsIdentity(scheme, DeviceTokenClaims.DeviceId, roleType: null);
        foreach (var type in (ReadOnlySpan<string>)[DeviceTokenClaims.DeviceId, DeviceTokenClaims.TenantId, DeviceTokenClaims.Domain])
        {
            if (jwt.TryGetPayloadValue<string>(type, out var value))
            {
                identity.AddClaim(new Claim(type, value));
            }
        }

        // More than one drive is an array in the payload; one is a string.
        if (jwt.TryGetPayloadValue<string[]>(DeviceTokenClaims.Drive, out var drives))
        {
            foreach (var each in drives)
            {
                identity.AddClaim(new Claim(DeviceTokenClaims.Drive, each));
            }
        }
        else if (jwt.TryGetPayloadValue<string>(DeviceTokenClaims.Drive, out var one))
        {
            identity.AddClaim(new Claim(DeviceTokenClaims.Drive, one));
        }

        return identity;
    }
}
