using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// Verifies a device token (an ES256 JWT) with Microsoft.IdentityModel and makes the device's principal. One instance
/// serves every request: its validation parameters are built once (the library still copies them for each token it
/// verifies), and the principal holds the device's claims alone, read from the token's payload, since a hub connection
/// keeps it for as long as it lives. A token verified once is known by its hash after that (<see cref="VerifiedTokens"/>).
/// </summary>
public sealed class DeviceTokenValidation
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly IDeviceTokenKeys _keys;
    private readonly VerifiedTokens _verified;

    public DeviceTokenValidation(IDeviceTokenKeys keys, TimeProvider time)
    {
        var clockSkew = TimeSpan.FromSeconds(30);
        _keys = keys;
        _verified = new VerifiedTokens(time, clockSkew);
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
            ClockSkew = clockSkew,
            // In place of the library's lifetime check, the same rule on this process's clock, which the shortcut for known
            // tokens uses too: exp required, nbf <= exp, valid from nbf - skew to exp + skew.
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } until && (notBefore ?? DateTime.MinValue) <= until && _verified.IsWithin(Utc(notBefore ?? DateTime.MinValue), Utc(until)),
        };
    }

    /// <summary>
    /// The device's principal and when its token expires, or the reason it is refused: for the log alone (the client gets
    /// a bare 401), naming at most the library's exception type, never a key, a claim value or an exception's message.
    /// </summary>
    public async Task<(ClaimsPrincipal? Principal, DateTimeOffset ExpiresAt, string? Refusal)> ValidateAsync(ReadOnlyMemory<char> token, string scheme)
    {
        // A compact JWS has three parts; anything else (an owner token, say) is not read at all.
        if (token.Length > _handler.MaximumTokenSizeInBytes || token.Span.Count('.') != 2)
        {
            return (null, default, "not a compact JWT");
        }

        var digest = VerifiedTokens.Digest.Of(token.Span);
        var keys = _keys.ValidationKeys;
        if (_verified.Find(digest, keys) is { } known)
        {
            return (Principal(known.Claims, scheme), known.ExpiresAt, null);
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

        var verified = new VerifiedTokens.Entry(DeviceClaims(jwt), Utc(jwt.ValidFrom), Utc(jwt.ValidTo), keys);
        _verified.Remember(digest, verified);
        return (Principal(verified.Claims, scheme), verified.ExpiresAt, null);
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static ClaimsPrincipal Principal((string Type, string Value)[] claims, string scheme)
    {
        var identity = new ClaimsIdentity(scheme, DeviceTokenClaims.DeviceId, roleType: null);
        foreach (var (type, value) in claims)
        {
            identity.AddClaim(new Claim(type, value));
        }

        return new ClaimsPrincipal(identity);
    }

    private static (string Type, string Value)[] DeviceClaims(JsonWebToken jwt)
    {
        var claims = new List<(string, string)>();
        foreach (var type in (ReadOnlySpan<string>)[DeviceTokenClaims.DeviceId, DeviceTokenClaims.TenantId, DeviceTokenClaims.Domain])
        {
            if (jwt.TryGetPayloadValue<string>(type, out var value) && value is not null)
            {
                claims.Add((type, value));
            }
        }

        // More than one drive is an array in the payload; one is a string. (A null, which no issuer of ours writes, is
        // skipped: a claim cannot hold it.)
        if (jwt.TryGetPayloadValue<string[]>(DeviceTokenClaims.Drive, out var drives) && drives is not null)
        {
            claims.AddRange(drives.OfType<string>().Select(drive => (DeviceTokenClaims.Drive, drive)));
        }
        else if (jwt.TryGetPayloadValue<string>(DeviceTokenClaims.Drive, out var one) && one is not null)
        {
            claims.Add((DeviceTokenClaims.Drive, one));
        }

        return [.. claims];
    }
}
