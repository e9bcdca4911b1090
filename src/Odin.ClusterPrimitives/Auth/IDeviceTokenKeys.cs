using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// The public keys that verify device tokens. Odin.Hosting supplies its own signing key's public half;
/// a standalone Gateway reads them from <c>Odin:Auth:PublicKeyPath</c>.
/// </summary>
public interface IDeviceTokenKeys
{
    /// <summary>The keys now; a changed set is a new list (tokens verified against the old one are verified again).</summary>
    IReadOnlyList<SecurityKey> ValidationKeys { get; }
}
