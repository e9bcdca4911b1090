using System.Security.Cryptography;
using System.Text;

namespace Odin.Hosting.Keys;

/// <summary>
/// Encrypts private keys at rest with AES-256-GCM under the configured key (<c>Odin:Keys:EncryptionKey</c>).
/// Stored form: version byte, 12-byte nonce, 16-byte tag, ciphertext. The associated data names what the
/// secret is (for example <c>key:{owner}:{kind}</c>), so a ciphertext copied to another row does not decrypt.
/// </summary>
public sealed class KeyEncryption
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public KeyEncryption(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("the encryption key must be 32 bytes (base64 of 32 random bytes)", nameof(key));
        }

        _key = key;
    }

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

    /// <exception cref="CryptographicException">Wrong key, wrong purpose, or tampered data.</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> sealedBytes, string purpose)
    {
        if (sealedBytes.Length < 1 + NonceSize + TagSize || sealedBytes[0] != Version)
        {
            throw new CryptographicException("not a sealed secret of a known version");
        }

        var plaintext = new byte[sealedBytes.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes.Slice(1, NonceSize), sealedBytes[(1 + NonceSize + TagSize)..], sealedBytes.Slice(1 + NonceSize, TagSize), plaintext,
            Encoding.UTF8.GetBytes(purpose));
        return plaintext;
    }
}
