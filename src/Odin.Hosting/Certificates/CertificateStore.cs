using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using Odin.Hosting.Acme;
using Odin.Hosting.Keys;
using Odin.Hosting.Storage;
using Odin.ClusterPrimitives.PubSub;

namespace Odin.Hosting.Certificates;

/// <summary>
/// Each domain's TLS certificate: in the database (private key sealed), and in this instance's memory for
/// Kestrel's SNI selector. A save is a compare-and-set on the expiry the saver saw, so of two renewals racing
/// (a lost lock) only the first is stored; a stored certificate is announced on the broker and every instance
/// re-reads it, so all serve the new one within moments.
/// </summary>
public sealed partial class CertificateStore(IDatabase database, KeyEncryption encryption, IPubSubBroker broker, TimeProvider time, ILogger<CertificateStore> logger)
{
    public const string Topic = "certificates";

    private readonly ConcurrentDictionary<string, X509Certificate2> _served = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The certificate to present for a TLS client's server name (SNI); null when there is none.</summary>
    public X509Certificate2? Find(string? serverName) =>
        serverName is not null && _served.TryGetValue(serverName.TrimEnd('.'), out var certificate) ? certificate : null;

    /// <summary>When the certificate this instance serves that expires first does (null: it serves none).</summary>
    public DateTimeOffset? SoonestExpiry => _served.IsEmpty ? null : _served.Values.Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime()));

    /// <summary>When the stored certificate of <paramref name="domain"/> expires (Unix ms); null when none is stored.</summary>
    public async Task<long?> NotAfterAsync(string domain, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>("SELECT not_after FROM certificates WHERE domain = @domain", new { domain });
    }

    /// <summary>
    /// Stores a certificate if the stored one is still the one that expires at <paramref name="replacing"/>
    /// (null: if none is stored). True when stored; then every instance is told.
    /// </summary>
    public async Task<bool> SaveAsync(string domain, IssuedCertificate issued, string issuer, long? replacing, CancellationToken cancellationToken = default)
    {
        var row = new
        {
            domain, chain = issued.ChainPem, key = encryption.Encrypt(issued.PrivateKeyPkcs8, Purpose(domain)),
            notAfter = issued.NotAfter.ToUnixTimeMilliseconds(), issuer, now = time.GetUtcNow().ToUnixTimeMilliseconds(), replacing,
        };
        await using var connection = await database.OpenAsync(cancellationToken);
        var saved = await connection.ExecuteAsync(
            replacing is null
                ? """
                  INSERT INTO certificates (domain, chain_pem, private_key, not_after, issuer, updated_at)
                  VALUES (@domain, @chain, @key, @notAfter, @issuer, @now) ON CONFLICT (domain) DO NOTHING
                  """
                : """
                  UPDATE certificates SET chain_pem = @chain, private_key = @key, not_after = @notAfter, issuer = @issuer, updated_at = @now
                  WHERE domain = @domain AND not_after = @replacing
                  """,
            row) == 1;
        if (saved)
        {
            await RefreshAsync(domain, cancellationToken);
            await broker.PublishAsync(Topic, domain);
        }

        return saved;
    }

    /// <summary>Loads every stored certificate into memory (at start, and now and then in case an announcement was missed).</summary>
    public async Task LoadAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var row in await connection.QueryAsync<Row>("SELECT domain AS Domain, chain_pem AS ChainPem, private_key AS PrivateKey FROM certificates"))
        {
            Serve(row);
        }
    }

    /// <summary>Re-reads one domain's certificate into memory.</summary>
    public async Task RefreshAsync(string domain, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            "SELECT domain AS Domain, chain_pem AS ChainPem, private_key AS PrivateKey FROM certificates WHERE domain = @domain", new { domain });
        if (row is not null)
        {
            Serve(row);
        }
    }

    private void Serve(Row row)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(encryption.Decrypt(row.PrivateKey, Purpose(row.Domain)), out _);
            using var leaf = X509Certificate2.CreateFromPem(row.ChainPem);
            _served[row.Domain] = leaf.CopyWithPrivateKey(key);
        }
        catch (CryptographicException ex)
        {
            LogUnreadable(logger, row.Domain, ex.Message); // keep serving what this instance had
        }
    }

    /// <summary>What a stored certificate key's encryption is bound to (<see cref="KeyEncryption"/>): its domain's row.</summary>
    internal static string Purpose(string domain) => $"certificate:{domain}";

    private sealed class Row
    {
        public string Domain { get; init; } = "";

        public string ChainPem { get; init; } = "";

        public byte[] PrivateKey { get; init; } = [];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The stored certificate of {Domain} cannot be read ({Reason}); is Odin__Keys__EncryptionKey the one it was stored with?")]
    private static partial void LogUnreadable(ILogger logger, string domain, string reason);
}
