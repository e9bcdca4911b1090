using System.Data.Common;
using Dapper;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Vacuums <c>outbox</c> once its deleted keys pile up (PostgreSQL). Publishing deletes keys; until a vacuum removes
/// them from the index, every read that starts at a range's start walks them. After a backlog that was hundreds of
/// thousands of dead keys, tens of milliseconds for each read that found nothing, until autovacuum came round (it looks
/// at a database once a minute, and at a table only once a fifth of it is dead). The instance that measures the outbox
/// (<see cref="OutboxMonitor"/>, one at a time) checks after each measurement.
/// </summary>
internal static partial class OutboxVacuum
{
    /// <summary>Dead keys (as PostgreSQL's statistics count them) from which <c>outbox</c> is vacuumed.</summary>
    public const long DeadKeys = 10_000;

    /// <summary>Vacuums <c>outbox</c> if it holds at least <see cref="DeadKeys"/> dead keys.</summary>
    public static async Task IfDeadKeysAsync(IDatabase database, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var dead = await DeadKeysAsync(connection);
        if (dead < DeadKeys)
        {
            return;
        }

        // Outside a transaction (VACUUM cannot run in one); SKIP_LOCKED: if autovacuum is at it already, nothing to do.
        await connection.ExecuteAsync("VACUUM (SKIP_LOCKED) outbox", commandTimeout: 120);
        LogVacuumed(logger, dead);
    }

    /// <summary>The dead keys in <c>outbox</c>, as PostgreSQL's statistics count them.</summary>
    public static async Task<long> DeadKeysAsync(DbConnection connection) =>
        await connection.ExecuteScalarAsync<long?>("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = to_regclass('outbox')") ?? 0;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Vacuumed the outbox: {Dead} dead keys")]
    private static partial void LogVacuumed(ILogger logger, long dead);
}
