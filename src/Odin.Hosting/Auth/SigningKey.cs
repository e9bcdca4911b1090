using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Odin.Hosting.Common;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Auth;

/// <summary>The ES256 key that signs device tokens, and its public half for verifiers (<see cref="IDeviceTokenKeys"/>).</summary>
public sealed class SigningKey : IDeviceTokenKeys
{
    private SigningKey(ECDsa ecdsa)
    {
        Key = DeviceTokenKeyId.WithKeyId(ecdsa);
        var publicKey = ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false));
        PublicPem = publicKey.ExportSubjectPublicKeyInfoPem();
        ValidationKeys = [DeviceTokenKeyId.WithKeyId(publicKey)];
        Credentials = new SigningCredentials(Key, SecurityAlgorithms.EcdsaSha256);
    }

    public ECDsaSecurityKey Key { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>PEM of the public key: what a standalone Gateway's <c>Odin__Auth__PublicKeyPath</c> points at.</summary>
    public string PublicPem { get; }

    public IReadOnlyList<SecurityKey> ValidationKeys { get; }

    /// <summary>Reads the key; creates it first when <paramref name="createIfMissing"/> (single node only).</summary>
    public static SigningKey Load(string path, bool createIfMissing)
    {
        if (!File.Exists(path))
        {
            if (!createIfMissing)
            {
                throw new StartupConfigurationException(
                    $"Odin__Auth__SigningKeyPath: '{path}' does not exist (a cluster needs the same key file on every instance; create one with 'openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt').");
            }

            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            OwnerOnly.CreateFile(path, created.ExportPkcs8PrivateKeyPem());

            // Next to it, the public half a standalone Gateway needs.
            File.WriteAllText(Path.ChangeExtension(path, ".pub.pem"), created.ExportSubjectPublicKeyInfoPem());
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(File.ReadAllText(path));
        }
        catch (ArgumentException ex)
        {
            throw new StartupConfigurationException($"Odin__Auth__SigningKeyPath: '{path}' is not a PEM EC private key ({ex.Message}).");
        }

        if (ecdsa.KeySize != 256)
        {
            throw new StartupConfigurationException($"Odin__Auth__SigningKeyPath: '{path}' must be a P-256 key for ES256, not {ecdsa.KeySize} bits.");
        }

        return new SigningKey(ecdsa);
    }
}
