using System.Text.Json.Serialization;

namespace Odin.Hosting.Auth;

/// <summary>An EC public key as a JWK (RFC 7517): what the JWK Set and an identity's key endpoint answer.</summary>
public sealed record PublicJsonWebKey(
    string Kty,
    string Crv,
    string X,
    string Y,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Kid,
    string Use,
    string Alg);

/// <summary>A JWK Set (RFC 7517 §5).</summary>
public sealed record JsonWebKeySetResponse(IReadOnlyList<PublicJsonWebKey> Keys);
