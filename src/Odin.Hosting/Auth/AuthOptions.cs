using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Auth;

/// <summary>Configuration section <c>Odin:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Odin:Auth";

    /// <summary>
    /// PEM file of the EC P-256 private key that signs device tokens. Single node: created on first
    /// start when missing (default <c>data/signing-key.pem</c>). Cluster: required, the same file on
    /// every instance.
    /// </summary>
    public string SigningKeyPath { get; set; } = "";

    /// <summary>
    /// PEM file of one or more P-256 public keys accepted beside the signing key's own and published with it in the JWK
    /// Set. Empty (default) outside a rotation of the signing key; during one, the next key before the switch and the
    /// previous key after it (docs/operations.md, "Rotating the device-token signing key").
    /// </summary>
    public string AlsoAcceptedPublicKeyPath { get; set; } = "";

    /// <summary>How long a device access token lives. Default 10 minutes: short, because a device re-asks cheaply.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan DeviceTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Hub URL handed to devices with their token. Empty (default): the same origin as the token request.</summary>
    public string HubUrl { get; set; } = "";
}
