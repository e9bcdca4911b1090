using Microsoft.Extensions.Logging.Abstractions;
using Odin.Hosting.Storage;
using Odin.Testing;

namespace Odin.Hosting.Tests.Storage;

/// <summary>
/// A test class with its own migrated database: SQLite in a temp folder or a fresh PostgreSQL database.
/// Contracts derive from it once and run on both engines through <see cref="Sqlite"/> and <see cref="Postgres"/>.
/// </summary>
public abstract class DatabaseTest(Func<Task<DatabaseOptions>> createOptions) : IAsyncLifetime
{
    private string? _sqliteFolder;

    protected IDatabase Database { get; private set; } = null!;

    /// <summary>The database's connection string.</summary>
    protected string ConnectionString { get; private set; } = "";

    /// <summary>How many migration scripts the repository has.</summary>
    public static int MigrationCount { get; } =
        Directory.GetFiles(RepositoryPaths.InRepository("src", "Odin.Hosting", "Storage", "Migrations"), "*.sql").Length;

    /// <summary>How many migrations the fresh database took.</summary>
    protected int AppliedMigrations { get; private set; }

    public static Func<Task<DatabaseOptions>> Sqlite(out string folder)
    {
        var path = Directory.CreateTempSubdirectory("odin-sqlite-").FullName;
        folder = path;
        return () => Task.FromResult(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(path, "odin.db")}" });
    }

    public static Func<Task<DatabaseOptions>> Postgres(PostgresServer server) =>
        async () => new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = await server.CreateDatabaseAsync() };

    public virtual async Task InitializeAsync()
    {
        var options = await createOptions();
        ConnectionString = options.ConnectionString;
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            _sqliteFolder = Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(options.ConnectionString).DataSource);
        }

        Database = StorageComposition.Create(options);
        AppliedMigrations = await new Migrator(Database, NullLogger<Migrator>.Instance).ApplyAsync();
    }

    public async Task DisposeAsync()
    {
        if (Database is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        if (_sqliteFolder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_sqliteFolder, recursive: true);
        }
    }
}
