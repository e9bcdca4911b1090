using System.Data.Common;

namespace Odin.Hosting.Storage;

/// <summary>
/// The one storage interface over SQLite and PostgreSQL. Stores write plain SQL (through Dapper) that
/// both engines accept; the few places that differ ask <see cref="Provider"/>.
/// </summary>
public interface IDatabase
{
    DatabaseProvider Provider { get; }

    /// <summary>An open connection for reads (and single-statement writes).</summary>
    Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A write transaction. SQLite takes its write lock up front (<c>BEGIN IMMEDIATE</c>) so writers queue
    /// instead of failing to upgrade; PostgreSQL uses READ COMMITTED and row locks.
    /// </summary>
    Task<WriteTransaction> BeginWriteAsync(CancellationToken cancellationToken = default);
}

/// <summary>A connection and its transaction, disposed together; rolled back unless committed.</summary>
public sealed class WriteTransaction(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    public Task CommitAsync(CancellationToken cancellationToken = default) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
