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
            if (ecdsa.KeySize != 256)
            {
                throw new ArgumentException($"its key {keys.Count + 1} has {ecdsa.KeySize} bits, not the 256 of P-256 (ES256)");
            }

            keys.Add(DeviceTokenKeyId.WithKeyId(ecdsa));
            rest = rest[fields.Location.End..];
        }

        return keys.Count > 0 ? keys : throw new ArgumentException($"it holds no '{Label}' block");
    }
}
