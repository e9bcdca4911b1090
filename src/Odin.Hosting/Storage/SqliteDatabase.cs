using System.Data.Common;
using Microsoft.Data.Sqlite;
using Odin.Hosting.Common;

namespace Odin.Hosting.Storage;

/// <summary>SQLite: the embedded single-node default. WAL mode, foreign keys on, writers queue on the write lock.</summary>
internal sealed class SqliteDatabase : IDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            Pooling = true,
            // Writers wait for the write lock up to this long (Microsoft.Data.Sqlite retries on SQLITE_BUSY).
            DefaultTimeout = 30,
        };
        if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } folder && builder.DataSource != ":memory:")
        {
            // The database holds every identity's data: its folder 0700, the file 0600 before SQLite first
            // opens it (SQLite gives the -wal and -shm files the database file's mode).
            OwnerOnly.EnsureFolder(folder);
            OwnerOnly.EnsureFile(builder.DataSource);
            foreach (var companion in (string[])[builder.DataSource + "-wal", builder.DataSource + "-shm"])
            {
                if (File.Exists(companion))
                {
                    OwnerOnly.EnsureFile(companion);
                }
            }
        }

        _connectionString = builder.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        // WAL lets readers run while one writer writes; it is a property of the file, set once.
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<WriteTransaction> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        var connection = (SqliteConnection)await OpenAsync(cancellationToken);
        try
        {
            // deferred: false ⇒ BEGIN IMMEDIATE.
            var transaction = connection.BeginTransaction(deferred: false);
            return new WriteTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
