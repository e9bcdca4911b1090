using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// Each identity signs its devices' tokens with its own key; the installation's device-token key vouches for
/// that key. The voucher is a compact JWS (ES256, signed by the installation key) over the identity id and
/// the public key, carried in every device token's header as <see cref="HeaderName"/>. A verifier that trusts
/// the installation key (a PEM file or the JWK Set, as before) therefore verifies any identity's tokens
/// without fetching per-identity keys, and a voucher for one identity cannot sign tokens of another.
/// </summary>
public static class TenantKeyCertificate
{
    public const string HeaderName = "odin_tk";

    /// <summary>Vouchers verified so far, with the installation key that verified them (forgotten when that key is gone).</summary>
    private static readonly ConcurrentDictionary<string, (Guid TenantId, string InstallationKeyId, ECDsaSecurityKey Key)> Verified = new();

    private const int MaxRemembered = 100_000;

    public static string Create(ECDsa installationKey, Guid tenantId, ECDsa tenantKey)
    {
        var q = tenantKey.ExportParameters(includePrivateParameters: false).Q;
        var header = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "ES256", typ = "odin-tk" }));
        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new Voucher(tenantId, Base64UrlEncoder.Encode(q.X), Base64UrlEncoder.Encode(q.Y))));
        var signature = installationKey.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256);
        return $"{header}.{payload}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>The identity's token-signing key when one of <paramref name="installationKeys"/> signed the voucher for <paramref name="tenantId"/>; null otherwise.</summary>
    public static ECDsaSecurityKey? Verify(string voucher, IReadOnlyList<SecurityKey> installationKeys, Guid tenantId)
    {
        if (Verified.TryGetValue(voucher, out var known))
        {
            return known.TenantId == tenantId && installationKeys.Any(k => k.KeyId == known.InstallationKeyId) ? known.Key : null;
        }

        var parts = voucher.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
            var signature = Base64UrlEncoder.DecodeBytes(parts[2]);
            var signer = installationKeys.OfType<ECDsaSecurityKey>().FirstOrDefault(k => k.ECDsa.VerifyData(signed, signature, HashAlgorithmName.SHA256));
            var content = JsonSerializer.Deserialize<Voucher>(Base64UrlEncoder.Decode(parts[1]));
            if (signer is null || content is null || content.Tid != tenantId)
            {
                return null;
            }

            var key = DeviceTokenKeyId.WithKeyId(ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(content.X), Y = Base64UrlEncoder.DecodeBytes(content.Y) },
            }));
            if (Verified.Count >= MaxRemembered)
            {
                Verified.Clear();
            }

            Verified[voucher] = (tenantId, signer.KeyId, key);
            return key;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    private sealed record Voucher(Guid Tid, string X, string Y);
}
