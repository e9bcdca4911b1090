using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// Device tokens this process has verified, by their SHA-256, so that a device connecting again with the token it
/// holds (after a network change, a drain, a gateway's crash) costs a hash and a look-up instead of a signature check
/// and a parse. An entry answers only while the installation key set it was verified against is still the current one
/// and the token is within its validity window, so a rotated key or an expired token is refused exactly as on first
/// sight. Revocation is not its business: the gateway checks the revocation list on every connect either way.
/// </summary>
internal sealed class VerifiedTokens(TimeProvider time, TimeSpan clockSkew)
{
    /// <summary>Entries kept at most; past it, expired ones go, and if that is not enough, all (they are only a shortcut).</summary>
    public const int MaxRemembered = 100_000;

    private readonly ConcurrentDictionary<Digest, Entry> _entries = new();

    /// <param name="Claims">The device's claims, as <see cref="DeviceTokenValidation"/> read them from the token.</param>
    /// <param name="Keys">The installation keys when it was verified (the list, compared by reference).</param>
    public sealed record Entry((string Type, string Value)[] Claims, DateTimeOffset NotBefore, DateTimeOffset ExpiresAt, IReadOnlyList<SecurityKey> Keys);

    /// <summary>A 32-byte SHA-256 of the token's characters.</summary>
    public readonly record struct Digest(ulong A, ulong B, ulong C, ulong D)
    {
        public static Digest Of(ReadOnlySpan<char> token)
        {
            Span<ulong> hash = stackalloc ulong[4];
            SHA256.HashData(MemoryMarshal.AsBytes(token), MemoryMarshal.AsBytes(hash));
            return new Digest(hash[0], hash[1], hash[2], hash[3]);
        }
    }

    /// <summary>The entry for <paramref name="digest"/> if it still holds under <paramref name="currentKeys"/> and now.</summary>
    public Entry? Find(Digest digest, IReadOnlyList<SecurityKey> currentKeys)
    {
        if (!_entries.TryGetValue(digest, out var entry))
        {
            return null;
        }

        if (ReferenceEquals(entry.Keys, currentKeys) && IsWithin(entry.NotBefore, entry.ExpiresAt))
        {
            return entry;
        }

        _entries.TryRemove(digest, out _);
        return null;
    }

    public void Remember(Digest digest, Entry entry)
    {
        if (_entries.Count >= MaxRemembered)
        {
            foreach (var (key, old) in _entries)
            {
                if (!IsWithin(old.NotBefore, old.ExpiresAt))
                {
                    _entries.TryRemove(key, out _);
                }
            }

            if (_entries.Count >= MaxRemembered)
            {
                _entries.Clear();
            }
        }

        _entries[digest] = entry;
    }

    /// <summary>The lifetime check of Microsoft.IdentityModel, on this process's clock: valid from nbf − skew to exp + skew.</summary>
    public bool IsWithin(DateTimeOffset notBefore, DateTimeOffset expiresAt)
    {
        var now = time.GetUtcNow();
        return notBefore <= now + clockSkew && expiresAt >= now - clockSkew;
    }
}
