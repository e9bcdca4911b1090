using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dapper;
using Odin.Hosting.Cluster.Locks;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Keys;

/// <summary>What a key is for, and so its curve.</summary>
public enum KeyKind
{
    /// <summary>An identity's signing key (ECDSA P-384), published at <c>/.well-known/odin/identity-key</c>.</summary>
    Identity,

    /// <summary>The installation's ACME account key (ECDSA P-256, ES256 as RFC 8555 clients commonly use).</summary>
    AcmeAccount,

    /// <summary>An identity's device-token signing key (ECDSA P-256, ES256), vouched for by the installation key.</summary>
    DeviceToken,
}

/// <summary>A stored key pair: the public key as PEM, the private key as PKCS#8 (decrypted).</summary>
public sealed record KeyPair(string PublicKeyPem, byte[] PrivateKeyPkcs8)
{
    public ECDsa ToECDsa()
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(PrivateKeyPkcs8, out _);
        return key;
    }
}

/// <summary>
/// Key pairs created lazily, exactly one per (owner, kind) across every instance: read; if absent take the
/// lock <c>key:{owner}:{kind}</c>, read again (another holder may have just created it), generate, insert with
/// <c>ON CONFLICT DO NOTHING</c> only while the lock is still held, and read again. The conflict clause is the
/// fence: a holder that lost its lock unknowingly inserts nothing, and every caller returns the row that won.
/// Keys never change once stored, so each instance keeps the ones it read.
/// </summary>
public sealed partial class KeyStore(IDatabase database, IDistributedLock locks, KeyEncryption encryption, TimeProvider time, ILogger<KeyStore> logger)
{
    /// <summary>The owner of keys that belong to the whole installation.</summary>
    public const string Installation = "installation";

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    /// <summary>One try for the lock; between tries the key is looked for (another holder may have stored it).</summary>
    private static readonly TimeSpan LockAttempt = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<(string, KeyKind), KeyPair> _known = new();

    public async Task<KeyPair> GetOrCreateAsync(string owner, KeyKind kind, CancellationToken cancellationToken = default)
    {
        if (_known.TryGetValue((owner, kind), out var known) || (known = await ReadAsync(owner, kind, cancellationToken)) is not null)
        {
            return _known.GetOrAdd((owner, kind), known);
        }

        // Waiting for the lock a second at a time, and looking for the key between tries: once one holder has stored it,
        // everyone else takes it from the database instead of queueing for a lock they no longer need (eight instances
        // asked for a hundred new keys at once had waiters still in that queue after 30 s on a loaded machine).
        var deadline = time.GetUtcNow() + LockWait;
        while (true)
        {
            await using (var held = await locks.TryAcquireAsync($"key:{owner}:{Name(kind)}", LockAttempt, cancellationToken))
            {
                if (held is not null)
                {
                    if (await ReadAsync(owner, kind, cancellationToken) is null)
                    {
                        using var created = ECDsa.Create(kind == KeyKind.Identity ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256);
                        await InsertIfAbsentAsync(owner, kind, created, held, cancellationToken);
                    }

                    break;
                }
            }

            if (await ReadAsync(owner, kind, cancellationToken) is { } storedMeanwhile)
            {
                return _known.GetOrAdd((owner, kind), storedMeanwhile);
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"the lock on the {Name(kind)} key of {owner} was held for more than {LockWait.TotalSeconds:0} s");
            }
        }

        var stored = await ReadAsync(owner, kind, cancellationToken)
            ?? throw new InvalidOperationException($"the {Name(kind)} key of {owner} is missing right after it was stored");
        return _known.GetOrAdd((owner, kind), stored);
    }

    /// <summary>Stores <paramref name="key"/> unless a key exists already or the lock was lost. True when stored.</summary>
    internal async Task<bool> InsertIfAbsentAsync(string owner, KeyKind kind, ECDsa key, ILockHandle held, CancellationToken cancellationToken)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var inserted = await write.Connection.ExecuteAsync(
            """
            INSERT INTO keys (owner, kind, public_key, private_key, created_at) VALUES (@owner, @kind, @publicKey, @privateKey, @now)
            ON CONFLICT (owner, kind) DO NOTHING
            """,
            new
            {
                owner, kind = Name(kind), publicKey = key.ExportSubjectPublicKeyInfoPem(),
                privateKey = encryption.Encrypt(key.ExportPkcs8PrivateKey(), Purpose(owner, kind)), now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            },
            write.Transaction) == 1;
        if (!held.IsHeld)
        {
            LogLockLost(logger, kind, owner);
            return false; // rolled back: whoever holds the lock now decides
        }

        await write.CommitAsync(cancellationToken);
        if (inserted)
        {
            LogCreated(logger, kind, owner);
        }

        return inserted;
    }

    private async Task<KeyPair?> ReadAsync(string owner, KeyKind kind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string? PublicKey, byte[]? PrivateKey)>(
            "SELECT public_key, private_key FROM keys WHERE owner = @owner AND kind = @kind", new { owner, kind = Name(kind) });
        return row.PublicKey is null ? null : new KeyPair(row.PublicKey, encryption.Decrypt(row.PrivateKey, Purpose(owner, kind)));
    }

    private static string Name(KeyKind kind) => kind switch
    {
        KeyKind.Identity => "identity",
        KeyKind.AcmeAccount => "acme-account",
        _ => "device-token",
    };

    private static string Purpose(string owner, KeyKind kind) => Purpose(owner, Name(kind));

    /// <summary>What a stored private key's encryption is bound to (<see cref="KeyEncryption"/>): its row, by owner and kind as stored.</summary>
    internal static string Purpose(string owner, string kind) => $"key:{owner}:{kind}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the {Kind} key of {Owner}")]
    private static partial void LogCreated(ILogger logger, KeyKind kind, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lock on the {Kind} key of {Owner} was lost before the key was stored; not storing it")]
    private static partial void LogLockLost(ILogger logger, KeyKind kind, string owner);
}
