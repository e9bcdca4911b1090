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
    /// <summary>Entries kept at most; past it, a newly verified token is not remembered (it is only a shortcut).</summary>
    public const int MaxRemembered = 100_000;

    /// <summary>How often the expired entries are swept out (on the next token verified after it).</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Digest, Entry> _entries = new();
    private readonly Lock _sweeping = new();
    private DateTimeOffset _nextSweep = time.GetUtcNow() + SweepEvery;

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

        _entries.TryRemove(KeyValuePair.Create(digest, entry)); // only this entry: another thread may have put a newer one
        return null;
    }

    public void Remember(Digest digest, Entry entry)
    {
        SweepIfDue();
        if (_entries.Count < MaxRemembered)
        {
            _entries[digest] = entry;
        }
    }

    /// <summary>Drops the entries whose token has expired, once every <see cref="SweepEvery"/>: they would never answer again.</summary>
    private void SweepIfDue()
    {
        lock (_sweeping)
        {
            if (time.GetUtcNow() < _nextSweep)
            {
                return;
            }

            _nextSweep = time.GetUtcNow() + SweepEvery;
        }

        foreach (var entry in _entries)
        {
            if (!IsWithin(entry.Value.NotBefore, entry.Value.ExpiresAt))
            {
                _entries.TryRemove(entry);
            }
        }
    }

    /// <summary>The lifetime check of Microsoft.IdentityModel, on this process's clock: valid from nbf − skew to exp + skew.</summary>
    public bool IsWithin(DateTimeOffset notBefore, DateTimeOffset expiresAt)
    {
        var now = time.GetUtcNow();
        return notBefore <= now + clockSkew && expiresAt >= now - clockSkew;
    }
}
