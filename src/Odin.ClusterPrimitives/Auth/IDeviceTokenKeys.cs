using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// The public keys that verify device tokens. Odin.Hosting supplies its own signing key's public half;
/// a standalone Gateway reads them from <c>Odin:Auth:PublicKeyPath</c>.
/// </summary>
public interface IDeviceTokenKeys
{
    IReadOnlyList<SecurityKey> ValidationKeys { get; }
}
