namespace Odin.Hosting.Storage;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Configuration section <c>Odin:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Odin:Database";

    /// <summary><c>Sqlite</c> (default: one file, single node) or <c>Postgres</c> (required for more than one instance).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Provider connection string. Default <c>Data Source=data/odin.db</c> (SQLite, relative to the working directory).</summary>
    public string ConnectionString { get; set; } = "Data Source=data/odin.db";
}
