using Microsoft.IdentityModel.Tokens;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Gateway.Auth;

/// <summary>
/// Device token keys read once from a PEM file of Odin.Hosting's public key (<c>Odin:Auth:PublicKeyPath</c>); during a
/// rotation of the signing key the file holds the old and the new key, and the gateway is restarted to read it.
/// </summary>
internal sealed class PemDeviceTokenKeys(string path) : IDeviceTokenKeys
{
    public IReadOnlyList<SecurityKey> ValidationKeys { get; } = [.. InstallationPublicKeys.FromPem(File.ReadAllText(path))];
}
