using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Odin.Shared.Auth;

namespace Odin.Hosting.Auth;

/// <summary>Mints device access tokens: short-lived ES256 JWTs for the gateway (and the device's own REST calls).</summary>
public sealed class DeviceTokenIssuer(SigningKey signingKey, IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public (string Token, DateTimeOffset ExpiresAt) Issue(DeviceIdentity device)
    {
        var now = time.GetUtcNow();
        var expires = now + options.Value.DeviceTokenLifetime;
        var claims = new List<Claim>
        {
            new(DeviceTokenClaims.DeviceId, device.DeviceId.ToString()),
            new(DeviceTokenClaims.TenantId, device.TenantId.ToString()),
            new(DeviceTokenClaims.Domain, device.Domain),
        };
        claims.AddRange(device.Drives.Select(d => new Claim(DeviceTokenClaims.Drive, DeviceTokenClaims.FormatDrive(d.Key, d.Value))));
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DeviceTokenClaims.Issuer,
            Audience = DeviceTokenClaims.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = signingKey.Credentials,
        });
        return (token, expires);
    }
}
