using System.Security.Cryptography;
using Dapper;
using Odin.Hosting.Certificates;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Keys;

/// <summary>Answer of <c>POST /api/v1/admin/keys/re-encrypt</c>.</summary>
/// <param name="ReEncrypted">Secrets an also-accepted key had sealed, now sealed under the current key.</param>
/// <param name="AlreadyCurrent">Secrets the current key had sealed already.</param>
/// <param name="Unreadable">Secrets no configured key opens (left as they are; their ids are in the log).</param>
/// <param name="SealingKey">Which key the answering instance seals with (<see cref="KeyEncryption.Fingerprint"/>): the
/// one the rotation switched to, or that instance was not switched.</param>
public sealed record ReencryptionReport(int ReEncrypted, int AlreadyCurrent, int Unreadable, string SealingKey);

/// <summary>
/// Seals again, under the current encryption key, every stored secret that an also-accepted key sealed: the private keys
/// of the <c>keys</c> table and of the <c>certificates</c> table. Step 3 of rotating the encryption key
/// (docs/operations.md), once every instance seals with the new key. Safe to run again and on several instances at once:
/// a row is rewritten only while it still holds what was read (a certificate renewed meanwhile is sealed under the
/// current key already).
/// </summary>
public sealed partial class StoredSecretsReencryption(IDatabase database, KeyEncryption encryption, ILogger<StoredSecretsReencryption> logger)
{
    private const int PageSize = 500;

    /// <summary>A table of sealed secrets, read in pages by its key (<c>Id</c>, <c>Sub</c>) and rewritten one row at a time.</summary>
    private sealed record Table(string Name, string NextPage, string Reseal, Func<Row, string> Purpose);

    private sealed record Row(string Id, string Sub, byte[] PrivateKey);

    private static readonly Table[] Tables =
    [
        new("keys",
            "SELECT owner AS Id, kind AS Sub, private_key AS PrivateKey FROM keys WHERE (owner, kind) > (@id, @sub) ORDER BY owner, kind LIMIT @limit",
            "UPDATE keys SET private_key = @sealed WHERE owner = @id AND kind = @sub AND private_key = @was",
            row => KeyStore.Purpose(row.Id, row.Sub)),
        new("certificates",
            "SELECT domain AS Id, '' AS Sub, private_key AS PrivateKey FROM certificates WHERE domain > @id ORDER BY domain LIMIT @limit",
            "UPDATE certificates SET private_key = @sealed WHERE domain = @id AND private_key = @was",
            row => CertificateStore.Purpose(row.Id)),
    ];

    public async Task<ReencryptionReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new ReencryptionReport(0, 0, 0, encryption.Fingerprint);
        foreach (var table in Tables)
        {
            var after = new Row("", "", []);
            while (true)
            {
                List<Row> page;
                await using (var connection = await database.OpenAsync(cancellationToken))
                {
                    page = [.. await connection.QueryAsync<Row>(table.NextPage, new { id = after.Id, sub = after.Sub, limit = PageSize })];
                }

                if (page.Count == 0)
                {
                    break;
                }

                report = await ResealAsync(table, page, report, cancellationToken);
                after = page[^1];
            }
        }

        return report;
    }

    private async Task<ReencryptionReport> ResealAsync(Table table, List<Row> page, ReencryptionReport report, CancellationToken cancellationToken)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        foreach (var row in page)
        {
            byte[] plaintext;
            try
            {
                (plaintext, var current) = encryption.Open(row.PrivateKey, table.Purpose(row));
                if (current)
                {
                    report = report with { AlreadyCurrent = report.AlreadyCurrent + 1 };
                    continue;
                }
            }
            catch (CryptographicException)
            {
                LogUnreadable(logger, table.Name, row.Id, row.Sub);
                report = report with { Unreadable = report.Unreadable + 1 };
                continue;
            }

            var sealedBytes = encryption.Encrypt(plaintext, table.Purpose(row));
            CryptographicOperations.ZeroMemory(plaintext);
            if (await write.Connection.ExecuteAsync(table.Reseal, new { id = row.Id, sub = row.Sub, @sealed = sealedBytes, was = row.PrivateKey }, write.Transaction) == 1)
            {
                report = report with { ReEncrypted = report.ReEncrypted + 1 };
            }
        }

        await write.CommitAsync(cancellationToken);
        return report;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The stored secret {Table} {Id} {Sub} opens under no configured encryption key; left as it is")]
    private static partial void LogUnreadable(ILogger logger, string table, string id, string sub);
}
