using System.Security.Cryptography;
using System.Text;

namespace Odin.Hosting.Keys;

/// <summary>
/// Encrypts private keys at rest with AES-256-GCM under the configured key (<c>Odin:Keys:EncryptionKey</c>), and opens
/// what that key or an also-accepted one (<c>Odin:Keys:AlsoAcceptedEncryptionKey</c>, while the key is rotated) sealed.
/// Stored form: version byte, 12-byte nonce, 16-byte tag, ciphertext. The associated data names what the secret is (for
/// example <c>key:{owner}:{kind}</c>), so a ciphertext copied to another row does not decrypt.
/// </summary>
public sealed class KeyEncryption
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;
    private readonly byte[][] _alsoAccepted;

    /// <param name="key">Seals and opens.</param>
    /// <param name="alsoAccepted">Open only: during a rotation, the key coming (before the switch) or going (after it).</param>
    public KeyEncryption(byte[] key, params byte[][] alsoAccepted)
    {
        if (key.Length != 32 || alsoAccepted.Any(k => k.Length != 32))
        {
            throw new ArgumentException("an encryption key must be 32 bytes (base64 of 32 random bytes)", nameof(key));
        }

        _key = key;
        _alsoAccepted = alsoAccepted;
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    /// <summary>
    /// Which key seals: the first 16 hex digits of the SHA-256 of its 32 bytes
    /// (<c>printf %s "$KEY" | base64 -d | sha256sum | cut -c1-16</c>), so an operator can tell which key an instance has.
    /// </summary>
    public string Fingerprint { get; }

    public byte[] Encrypt(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var sealedBytes = new byte[1 + NonceSize + TagSize + plaintext.Length];
        sealedBytes[0] = Version;
        var nonce = sealedBytes.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(1 + NonceSize + TagSize), sealedBytes.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(purpose));
        return sealedBytes;
    }

    /// <exception cref="CryptographicException">No configured key opens it, wrong purpose, or tampered data.</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> sealedBytes, string purpose) => Open(sealedBytes, purpose).Plaintext;

    /// <summary>The plaintext, and whether the current key sealed it (false: an also-accepted key did, and it wants re-encrypting).</summary>
    /// <exception cref="CryptographicException">No configured key opens it, wrong purpose, or tampered data.</exception>
    public (byte[] Plaintext, bool UnderCurrentKey) Open(ReadOnlySpan<byte> sealedBytes, string purpose)
    {
        if (sealedBytes.Length < 1 + NonceSize + TagSize || sealedBytes[0] != Version)
        {
            throw new CryptographicException("not a sealed secret of a known version");
        }

        var plaintext = new byte[sealedBytes.Length - 1 - NonceSize - TagSize];
        var associated = Encoding.UTF8.GetBytes(purpose);
        if (TryOpen(_key, sealedBytes, associated, plaintext))
        {
            return (plaintext, true);
        }

        foreach (var key in _alsoAccepted)
        {
            if (TryOpen(key, sealedBytes, associated, plaintext))
            {
                return (plaintext, false);
            }
        }

        throw new CryptographicException("no configured encryption key opens it (wrong key, wrong purpose or tampered data)");
    }

    private static bool TryOpen(byte[] key, ReadOnlySpan<byte> sealedBytes, byte[] associated, byte[] plaintext)
    {
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(sealedBytes.Slice(1, NonceSize), sealedBytes[(1 + NonceSize + TagSize)..], sealedBytes.Slice(1 + NonceSize, TagSize), plaintext, associated);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
