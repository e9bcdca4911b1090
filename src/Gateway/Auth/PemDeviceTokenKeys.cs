using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Gateway.Auth;

/// <summary>Device token key read from a PEM file holding Odin.Hosting's EC public key (<c>Odin:Auth:PublicKeyPath</c>).</summary>
internal sealed class PemDeviceTokenKeys(string path) : IDeviceTokenKeys
{
    public IReadOnlyList<SecurityKey> ValidationKeys { get; } = [Load(path)];

    private static ECDsaSecurityKey Load(string path)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(path));
        return DeviceTokenKeyId.WithKeyId(ecdsa);
    }
}
