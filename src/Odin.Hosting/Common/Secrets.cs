using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Odin.Hosting.Common;

/// <summary>
/// Bearer secrets (owner tokens, device secrets, the admin key): 256 random bits, stored as their
/// SHA-256. A fast hash is right here because the secrets are random, not chosen by people.
/// </summary>
internal static class Secrets
{
    public static string New(string prefix) => prefix + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool HashMatches(string secret, string expectedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(expectedHash));
}
