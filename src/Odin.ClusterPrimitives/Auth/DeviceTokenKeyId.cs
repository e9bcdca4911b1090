using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>Key ids are RFC 7638 thumbprints of the public key, so signer and verifiers agree without coordination.</summary>
public static class DeviceTokenKeyId
{
    public static ECDsaSecurityKey WithKeyId(ECDsa ecdsa)
    {
        var key = new ECDsaSecurityKey(ecdsa);
        key.KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromECDsaSecurityKey(key).ComputeJwkThumbprint());
        return key;
    }
}
