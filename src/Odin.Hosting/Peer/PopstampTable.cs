using Dapper;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Peer;

/// <summary>
/// The popstamp claim both peer boxes use (design rule 4). <see cref="PopAsync"/> stamps up to N due rows in one
/// UPDATE that only takes rows whose popstamp is NULL, so concurrent poppers on any number of instances never
/// share a row; whoever holds the stamp finishes the row with a statement conditional on it.
/// <see cref="RecoverDeadAsync"/> frees stamps older than the claim timeout in one conditional UPDATE, which any
/// number of instances may run at once.
/// </summary>
internal sealed class PopstampTable(string table, string dueCondition, string order)
{
    public async Task<string?> PopAsync(IDatabase database, int limit, long now, CancellationToken cancellationToken)
    {
        var popstamp = Guid.NewGuid().ToString("N");
        var skipLocked = database.Provider == DatabaseProvider.Postgres ? "FOR UPDATE SKIP LOCKED" : "";
        await using var write = await database.BeginWriteAsync(cancellationToken);
        // The outer "popstamp IS NULL" is re-checked by PostgreSQL on a row another popper changed meanwhile.
        var popped = await write.Connection.ExecuteAsync(
            $"""
             UPDATE {table} SET popstamp = @popstamp, popped_at = @now
             WHERE popstamp IS NULL AND id IN (SELECT id FROM {table} WHERE popstamp IS NULL AND {dueCondition} ORDER BY {order} LIMIT @limit {skipLocked})
             """,
            new { popstamp, now, limit }, write.Transaction);
        await write.CommitAsync(cancellationToken);
        return popped > 0 ? popstamp : null;
    }

    public async Task<int> RecoverDeadAsync(IDatabase database, long claimedBefore, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"UPDATE {table} SET popstamp = NULL, popped_at = NULL WHERE popstamp IS NOT NULL AND popped_at < @claimedBefore", new { claimedBefore });
    }
}
