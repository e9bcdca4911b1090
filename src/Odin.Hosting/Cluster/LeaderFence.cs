using Dapper;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Cluster;

/// <summary>
/// The database side of fencing: leader-only work records its term's token in the same transaction as its
/// writes; a token lower than one already recorded is refused, so a deposed leader that wakes up late
/// cannot write.
/// </summary>
public static class LeaderFence
{
    /// <summary>The newest term's token the database has seen (0 when none).</summary>
    public static async Task<long> NewestAsync(IDatabase database, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>("SELECT MAX(token) FROM leader_fence") ?? 0;
    }

    /// <summary>True when <paramref name="token"/> is not older than the newest term seen; records it.</summary>
    public static async Task<bool> TryAdvanceAsync(WriteTransaction write, long token) =>
        await write.Connection.ExecuteAsync(
            """
            INSERT INTO leader_fence (name, token) VALUES ('leader', @token)
            ON CONFLICT (name) DO UPDATE SET token = excluded.token WHERE excluded.token >= leader_fence.token
            """,
            new { token }, write.Transaction) == 1;
}
