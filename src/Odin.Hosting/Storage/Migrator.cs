using System.Data.Common;
using System.Reflection;
using Dapper;

namespace Odin.Hosting.Storage;

/// <summary>
/// Applies the versioned SQL scripts under <c>Storage/Migrations</c> in order, each once. The scripts are
/// written in SQL that SQLite and PostgreSQL both run, like every statement of the stores.
/// Instances starting together on one PostgreSQL serialize on an advisory lock; on SQLite the
/// write lock does the same.
/// </summary>
public sealed partial class Migrator(IDatabase database, ILogger<Migrator> logger)
{
    /// <summary>Advisory lock key for migrations ("odinmigr" as a number); any constant both sides agree on.</summary>
    private const long PostgresLockKey = 0x6F64696E6D696772;

    private const string CreateHistory =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

    public Task<int> ApplyAsync(CancellationToken cancellationToken = default) => ApplyAsync(int.MaxValue, cancellationToken);

    /// <summary>Applies the scripts up to <paramref name="throughVersion"/> only: tests of an upgrade start from an older schema.</summary>
    internal async Task<int> ApplyAsync(int throughVersion, CancellationToken cancellationToken)
    {
        if (database.Provider == DatabaseProvider.Postgres)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = PostgresLockKey });
            try
            {
                return await ApplyPendingAsync(connection, throughVersion, cancellationToken);
            }
            finally
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = PostgresLockKey });
            }
        }

        await using var write = await database.BeginWriteAsync(cancellationToken);
        var applied = await ApplyPendingAsync(write.Connection, throughVersion, cancellationToken, write.Transaction);
        await write.CommitAsync(cancellationToken);
        return applied;
    }

    private async Task<int> ApplyPendingAsync(DbConnection connection, int throughVersion, CancellationToken cancellationToken, DbTransaction? outer = null)
    {
        await connection.ExecuteAsync(CreateHistory, transaction: outer);
        var done = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations", transaction: outer)).ToHashSet();
        var applied = 0;
        foreach (var migration in Scripts().Where(m => m.Version <= throughVersion && !done.Contains(m.Version)))
        {
            var transaction = outer ?? await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(migration.Sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
                new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                transaction);
            if (outer is null)
            {
                await transaction.CommitAsync(cancellationToken);
                await transaction.DisposeAsync();
            }

            LogApplied(logger, migration.Version, migration.Name);
            applied++;
        }

        return applied;
    }

    private sealed record Script(int Version, string Name, string Sql);

    /// <summary>Embedded scripts named <c>migrations/{version}_{name}.sql</c>, in version order.</summary>
    private static IEnumerable<Script> Scripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "migrations/";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(name =>
            {
                var file = Path.GetFileNameWithoutExtension(name[prefix.Length..]);
                var separator = file.IndexOf('_', StringComparison.Ordinal);
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return new Script(int.Parse(file[..separator]), file[(separator + 1)..], reader.ReadToEnd());
            })
            .OrderBy(script => script.Version);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}
