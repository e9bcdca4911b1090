using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// Installation public keys read from PEM: one or more <c>PUBLIC KEY</c> blocks. A file holds two while the
/// device-token signing key is rotated (docs/operations.md): the key that signs and the one coming or going.
/// </summary>
public static class InstallationPublicKeys
{
    private const string Label = "PUBLIC KEY";

    /// <exception cref="ArgumentException">No block, a block that is not a public key, or a key that is not P-256.</exception>
    public static IReadOnlyList<ECDsaSecurityKey> FromPem(string pem)
    {
        var keys = new List<ECDsaSecurityKey>();
        var rest = pem.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var label = rest.Span[fields.Label].ToString();
            if (label != Label)
            {
                throw new ArgumentException($"it holds a '{label}' block where only '{Label}' blocks belong");
            }

            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(rest.Span[fields.Location]);
            if (!IsP256(ecdsa))
            {
                throw new ArgumentException($"its key {keys.Count + 1} is not on the P-256 curve (ES256)");
            }

            keys.Add(DeviceTokenKeyId.WithKeyId(ecdsa));
            rest = rest[fields.Location.End..];
        }

        // A block the reader skipped (bad base64, or glued to the one before it) would leave a key out without a word.
        var begun = pem.Split("-----BEGIN ").Length - 1;
        if (begun != keys.Count)
        {
            throw new ArgumentException($"{begun - keys.Count} of its {begun} blocks cannot be read (each must be whole, on lines of its own)");
        }

        return keys.Count > 0 ? keys : throw new ArgumentException($"it holds no '{Label}' block");
    }

    /// <summary>Whether the key is on NIST P-256 (secp256r1), the only curve of ES256: 256 bits alone is not enough.</summary>
    public static bool IsP256(ECDsa key) => key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value == NistP256Oid;

    private const string NistP256Oid = "1.2.840.10045.3.1.7";
}
