using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Odin.Hosting.Acme;

/// <summary>The ACME account key (ECDSA P-256): its JWK, its RFC 7638 thumbprint, and ES256 JWS signatures.</summary>
public sealed class AccountKey(ECDsa key) : IDisposable
{
    private readonly ECParameters _public = key.ExportParameters(includePrivateParameters: false);

    /// <summary>The public JWK, members in the order RFC 7638 hashes them.</summary>
    public SortedDictionary<string, string> Jwk => new(StringComparer.Ordinal)
    {
        ["crv"] = "P-256",
        ["kty"] = "EC",
        ["x"] = Base64UrlEncoder.Encode(_public.Q.X),
        ["y"] = Base64UrlEncoder.Encode(_public.Q.Y),
    };

    /// <summary>base64url(SHA-256(canonical JWK)): the second half of every HTTP-01 key authorization.</summary>
    public string Thumbprint => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Jwk))));

    /// <summary>A flattened JWS (RFC 7515) over <paramref name="payload"/> ("" for POST-as-GET).</summary>
    public string Sign(Dictionary<string, object> protectedHeader, string payload)
    {
        protectedHeader["alg"] = "ES256";
        var encodedHeader = Base64UrlEncoder.Encode(JsonSerializer.Serialize(protectedHeader));
        var encodedPayload = payload.Length == 0 ? "" : Base64UrlEncoder.Encode(payload);
        // ECDsa.SignData writes r||s (IEEE P1363), the form JWS ES256 wants.
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{encodedHeader}.{encodedPayload}"), HashAlgorithmName.SHA256);
        return JsonSerializer.Serialize(new { @protected = encodedHeader, payload = encodedPayload, signature = Base64UrlEncoder.Encode(signature) });
    }

    public void Dispose() => key.Dispose();
}
