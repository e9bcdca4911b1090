using System.ComponentModel.DataAnnotations;

namespace Odin.Gateway.Auth;

/// <summary>Configuration section <c>Odin:Auth</c> of a standalone gateway: where it gets the installation's public keys (one of the two).</summary>
public sealed class GatewayAuthOptions
{
    public const string Section = "Odin:Auth";

    /// <summary>PEM file of Odin.Hosting's device-token public key (or keys, while the signing key is rotated). Read at start.</summary>
    public string PublicKeyPath { get; set; } = "";

    /// <summary>Odin.Hosting's JWK Set (e.g. <c>http://hosting/.well-known/odin/jwks.json</c>), fetched at start and then every <see cref="JwksRefresh"/>.</summary>
    public string JwksUrl { get; set; } = "";

    /// <summary>
    /// How often the JWK Set is fetched again. Default 5 minutes: a key added to Odin.Hosting's set is accepted here
    /// within this time, which is how long a signing-key rotation waits between its steps.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan JwksRefresh { get; set; } = TimeSpan.FromMinutes(5);
}
