using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Auth;

/// <summary>
/// Mints device access tokens: short-lived ES256 JWTs signed by the device's identity's own key, carrying the
/// installation key's voucher for that key (<see cref="TenantKeyCertificate"/>) so gateways verify them with
/// the installation key alone.
/// </summary>
public sealed class DeviceTokenIssuer(SigningKey installationKey, ITenantDeviceKeys tenantKeys, IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ConcurrentDictionary<Guid, (SigningCredentials Credentials, string Voucher)> _signers = new();

    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(DeviceIdentity device, CancellationToken cancellationToken = default)
    {
        var (credentials, voucher) = await SignerAsync(device.TenantId, cancellationToken);
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
            SigningCredentials = credentials,
            AdditionalHeaderClaims = new Dictionary<string, object> { [TenantKeyCertificate.HeaderName] = voucher },
        });
        return (token, expires);
    }

    private async Task<(SigningCredentials, string)> SignerAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        if (_signers.TryGetValue(tenantId, out var signer))
        {
            return signer;
        }

        var key = await tenantKeys.GetAsync(tenantId, cancellationToken);
        return _signers.GetOrAdd(tenantId, (
            new SigningCredentials(DeviceTokenKeyId.WithKeyId(key), SecurityAlgorithms.EcdsaSha256),
            TenantKeyCertificate.Create(installationKey.Key.ECDsa, tenantId, key)));
    }
}
