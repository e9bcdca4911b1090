using Dapper;
using Odin.Hosting.Cluster;
using Odin.Hosting.Storage;

namespace Odin.Hosting.LastSeen;

/// <summary>Last-seen times in the database. A flush only ever moves a time forward.</summary>
public sealed class LastSeenStore(IDatabase database)
{
    public const string Owner = "owner";


    public async Task FlushAsync(IReadOnlyCollection<(Guid TenantId, string Subject, long SeenAt)> sightings, CancellationToken cancellationToken = default)
    {
        if (sightings.Count == 0)
        {
            return;
        }

        // The WHERE makes the update conditional in the same statement: an older time from a slower instance
        // loses to a newer one already stored, whatever order the flushes arrive in.
        await using var write = await database.BeginWriteAsync(cancellationToken);
        await write.Connection.ExecuteAsync(
            """
            INSERT INTO last_seen (tenant_id, subject, seen_at) VALUES (@TenantId, @Subject, @SeenAt)
            ON CONFLICT (tenant_id, subject) DO UPDATE SET seen_at = excluded.seen_at WHERE excluded.seen_at > last_seen.seen_at
            """,
            sightings.Select(s => new { s.TenantId, s.Subject, s.SeenAt }), write.Transaction);
        await write.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes times older than <paramref name="cutoff"/> (Unix ms), as the leader of term
    /// <paramref name="fencingToken"/>. Returns how many, or null when a newer term has written (fenced off).
    /// </summary>
    public async Task<int?> PruneAsync(long cutoff, long fencingToken, CancellationToken cancellationToken = default)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        if (!await LeaderFence.TryAdvanceAsync(write, fencingToken))
        {
            return null;
        }

        var deleted = await write.Connection.ExecuteAsync("DELETE FROM last_seen WHERE seen_at < @cutoff", new { cutoff }, write.Transaction);
        await write.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<long?> GetAsync(Guid tenantId, string subject, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(
            "SELECT seen_at FROM last_seen WHERE tenant_id = @tenantId AND subject = @subject", new { tenantId, subject });
    }
}
