using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Odin.Hosting.Common;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Auth;

/// <summary>
/// The ES256 key that signs device tokens, and the public keys verifiers accept (<see cref="IDeviceTokenKeys"/>): its
/// own public half first, then, during a rotation, the key coming or going.
/// </summary>
public sealed class SigningKey : IDeviceTokenKeys
{
    private SigningKey(ECDsa ecdsa, IReadOnlyList<ECDsaSecurityKey> alsoAccepted)
    {
        Key = DeviceTokenKeyId.WithKeyId(ecdsa);
        var publicKey = ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false));
        PublicPem = publicKey.ExportSubjectPublicKeyInfoPem();
        ValidationKeys = [DeviceTokenKeyId.WithKeyId(publicKey), .. alsoAccepted.Where(k => k.KeyId != Key.KeyId)];
        Credentials = new SigningCredentials(Key, SecurityAlgorithms.EcdsaSha256);
    }

    public ECDsaSecurityKey Key { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>PEM of the public key: what a standalone Gateway's <c>Odin__Auth__PublicKeyPath</c> points at.</summary>
    public string PublicPem { get; }

    public IReadOnlyList<SecurityKey> ValidationKeys { get; }

    /// <summary>Reads the key; creates it first when <paramref name="createIfMissing"/> (single node only).</summary>
    /// <param name="alsoAcceptedPath">PEM of public keys accepted beside this one (<see cref="AuthOptions.AlsoAcceptedPublicKeyPath"/>); empty for none.</param>
    public static SigningKey Load(string path, bool createIfMissing, string alsoAcceptedPath = "") =>
        new(ReadPrivateKey(path, createIfMissing), ReadAlsoAccepted(alsoAcceptedPath));

    private static IReadOnlyList<ECDsaSecurityKey> ReadAlsoAccepted(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return [];
        }

        if (!File.Exists(path))
        {
            throw new StartupConfigurationException($"Odin__Auth__AlsoAcceptedPublicKeyPath: '{path}' does not exist.");
        }

        try
        {
            return InstallationPublicKeys.FromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new StartupConfigurationException($"Odin__Auth__AlsoAcceptedPublicKeyPath: '{path}' is not a PEM file of P-256 public keys ({ex.Message}).");
        }
    }

    private static ECDsa ReadPrivateKey(string path, bool createIfMissing)
    {
        if (!File.Exists(path))
        {
            if (!createIfMissing)
            {
                throw new StartupConfigurationException(
                    $"Odin__Auth__SigningKeyPath: '{path}' does not exist (a cluster needs the same key file on every instance; create one with 'openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt').");
            }

            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            OwnerOnly.CreateFile(path, created.ExportPkcs8PrivateKeyPem() + "\n");

            // Next to it, the public half a standalone Gateway needs. Both end in a newline, as openssl's do, so that
            // 'cat old.pub.pem next.pub.pem' makes a gateway's key file for a rotation.
            File.WriteAllText(Path.ChangeExtension(path, ".pub.pem"), created.ExportSubjectPublicKeyInfoPem() + "\n");
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

        if (!InstallationPublicKeys.IsP256(ecdsa))
        {
            throw new StartupConfigurationException($"Odin__Auth__SigningKeyPath: '{path}' must be a P-256 key for ES256, not {ecdsa.KeySize} bits on another curve.");
        }

        return ecdsa;
    }
}
