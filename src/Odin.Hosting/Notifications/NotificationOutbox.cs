using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// The transactional outbox. <see cref="AppendAsync"/> runs inside the change's own transaction: it takes the
/// tenant's next seq (a row lock on the tenant held to commit, so seq order is commit order and a rollback leaves no
/// gap), writes the notification to <c>notification_log</c> and its key to <c>outbox</c> (what is still to publish).
/// <see cref="PublishPendingAsync"/> hands committed rows of the shards this instance holds to a publisher and deletes
/// their keys from <c>outbox</c> in one statement, so each is published once (at least once across a crash), each
/// tenant's in seq order. A notification's row is written once and deleted once: <see cref="PruneAsync"/> deletes the
/// published ones past the retention.
/// </summary>
public sealed class NotificationOutbox(IDatabase database)
{
    /// <summary>First key of PostgreSQL's two-key advisory locks for outbox shards ("odno").</summary>
    internal const int ShardLockClass = 0x6F646E6F;

    /// <summary>
    /// Second key of the lock every claim holds shared and a change of the shard count takes exclusively, so the count
    /// changes between claims, never under one (no shard number is negative).
    /// </summary>
    internal const int ShardCountLock = -1;

    /// <summary>The pending notifications: <c>outbox</c> (as <c>o</c>) joined to their rows in <c>notification_log</c>.</summary>
    private const string Pending =
        "SELECT n.tenant_id AS TenantId, n.seq AS Seq, o.slot AS Slot, n.id AS Id, n.type AS Type, n.drive_id AS DriveId, n.file_id AS FileId, "
        + "n.version_tag AS VersionTag, n.at AS At, n.data AS Data, n.trace_parent AS TraceParent "
        + "FROM outbox o JOIN notification_log n ON n.tenant_id = o.tenant_id AND n.seq = o.seq";

    /// <summary>
    /// Where this instance's next read of each slot range starts (the key after which it goes on), for the ranges of
    /// <see cref="_ranges"/>. A read goes on right after the last row a claim handed over, so it never passes over the
    /// keys the claims before it deleted; after an identity it could not hand over, it goes on after that identity, so
    /// one with a backlog that cannot be published (its Redis shard away) holds up neither the others nor its own order.
    /// </summary>
    private readonly Dictionary<(int First, int End), OutboxKey> _resumeAfter = [];

    private IReadOnlyList<(int First, int End)> _ranges = [];

    /// <summary>The first slot of the range the last claim started at: the next starts at the one after it.</summary>
    private int _lastStart = -1;

    /// <summary>A key of <c>outbox</c>, in its order.</summary>
    private readonly record struct OutboxKey(int Slot, string TenantId, long Seq);

    /// <summary>What one read of a range asked for and got: where the range's next read starts follows from it.</summary>
    private sealed record RangeRead((int First, int End) Range, int Limit, List<OutboxNotification> Rows);

    /// <summary>Takes the tenant's next seq. Call first in the transaction, before the change it numbers.</summary>
    public static Task<long> NextSeqAsync(WriteTransaction write, Guid tenantId) =>
        write.Connection.ExecuteScalarAsync<long>(
            "UPDATE tenants SET last_seq = last_seq + 1 WHERE id = @tenantId RETURNING last_seq", new { tenantId }, write.Transaction);

    /// <summary>The notification and its key in <c>outbox</c>: one command (one round trip), in the change's transaction.</summary>
    public static Task AppendAsync(WriteTransaction write, OutboxNotification notification) =>
        write.Connection.ExecuteAsync(
            """
            INSERT INTO notification_log (tenant_id, seq, id, type, drive_id, file_id, version_tag, at, data, slot, trace_parent)
            VALUES (@TenantId, @Seq, @Id, @Type, @DriveId, @FileId, @VersionTag, @At, @Data, @Slot, @TraceParent);
            INSERT INTO outbox (slot, tenant_id, seq, at) VALUES (@Slot, @TenantId, @Seq, @At);
            """,
            new
            {
                notification.TenantId, notification.Seq, notification.Id, notification.Type, notification.DriveId,
                notification.FileId, notification.VersionTag, notification.At, notification.Data, Slot = OutboxSlots.Of(notification.TenantId),
                // The writing request's trace, when it is recorded (tracing on): the row carries it to the dispatcher.
                TraceParent = notification.TraceParent ?? (Activity.Current is { Recorded: true, IdFormat: ActivityIdFormat.W3C } current ? current.Id : null),
            },
            write.Transaction);

    /// <summary>Unpublished notifications in the outbox's order (by slot, then identity), each identity's in seq order.</summary>
    public async Task<IReadOnlyList<OutboxNotification>> ReadPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<OutboxNotification>($"{Pending} ORDER BY o.slot, o.tenant_id, o.seq LIMIT @limit", new { limit })];
    }

    /// <summary>
    /// Hands up to <paramref name="limit"/> pending rows of the shards in <paramref name="held"/> to
    /// <paramref name="publish"/> and marks published the rows it answers with (of each identity, those before the first
    /// it did not answer with). Answers how many were published, and whether the caller should claim again at once. On
    /// PostgreSQL the claim is one transaction: the shard-count lock (shared) and each held shard's advisory lock (an
    /// instance whose lease just ran out may still be finishing a claim), the count checked against the one the
    /// shards were held under, the rows read by slot ranges (consecutive locked shards make one range; each read is an
    /// ordered scan of the <c>outbox</c> key) until the batch is full, published, and their keys deleted from
    /// <c>outbox</c> with one statement. On SQLite (one node, one dispatcher) rows are read, published and marked.
    /// One caller at a time: the dispatcher of this instance (where each read resumes is this object's state).
    /// </summary>
    public async Task<ClaimOutcome> PublishPendingAsync(
        HeldShards held, Func<IReadOnlyList<OutboxNotification>, CancellationToken, Task<IReadOnlyList<OutboxNotification>>> publish, int limit,
        CancellationToken cancellationToken = default)
    {
        if (database.Provider != DatabaseProvider.Postgres)
        {
            var pending = await ReadPendingAsync(limit, cancellationToken);
            var handed = pending.Count > 0 ? Prefixes(pending, await publish(pending, cancellationToken)) : [];
            if (handed.Count > 0)
            {
                await MarkPublishedAsync(handed, cancellationToken);
            }

            return new ClaimOutcome(handed.Count, handed.Count > 0);
        }

        if (held.Shards.Count == 0)
        {
            return ClaimOutcome.None;
        }

        await using var write = await database.BeginWriteAsync(cancellationToken);
        var (connection, transaction) = (write.Connection, write.Transaction);
        // The reads below must walk the key in order and stop at the limit. PostgreSQL's statistics of a queue table are
        // always stale (near empty when analyzed, deep when it lags), and on an estimate of a few rows it reads a range
        // whole and sorts it: each claim read everything still pending, 30 ms and 30 000 buffers a claim with 100 000
        // pending. With sorting priced out for this transaction it takes the ordered index scan.
        var countHolds = await connection.ExecuteScalarAsync<bool>(
            """
            SELECT pg_try_advisory_xact_lock_shared(@ShardLockClass, @ShardCountLock) AND (SELECT shards FROM outbox_settings WHERE id = 1) = @count;
            SET LOCAL enable_sort = off;
            """,
            new { ShardLockClass, ShardCountLock, count = held.Count }, transaction);
        if (!countHolds)
        {
            return ClaimOutcome.None; // the shard count is changing, or changed: the shards are held anew first
        }

        int[] locked = [.. await connection.QueryAsync<int>(
            "SELECT s FROM unnest(@owned) AS s WHERE pg_try_advisory_xact_lock(@ShardLockClass, s)",
            new { owned = held.Shards.ToArray(), ShardLockClass }, transaction)];
        var ranges = OutboxSlots.RangesOf(locked, held.Count);
        if (!ranges.SequenceEqual(_ranges))
        {
            (_ranges, _lastStart) = (ranges, -1);
            _resumeAfter.Clear();
        }

        // Each claim starts one range further than the last and reads range after range until the batch is full, each
        // from where the claims before stopped. A range whose round ends there (nothing after) is read again from its
        // start only once the others have had their turn, so one identity it cannot hand over does not fill every batch.
        var start = Math.Max(ranges.ToList().FindIndex(r => r.First > _lastStart), 0);
        _lastStart = ranges.Count > 0 ? ranges[start].First : -1;
        var reads = new List<RangeRead>();
        var roundEnded = new List<(int First, int End)>();
        var taken = 0; // rows the reads so far returned
        for (var i = 0; i < ranges.Count && taken < limit; i++)
        {
            var range = ranges[(start + i) % ranges.Count];
            var resumed = _resumeAfter.ContainsKey(range);
            var read = await ReadRangeAsync(connection, transaction, range, limit - taken);
            if (resumed && read.Rows.Count == 0)
            {
                roundEnded.Add(range);
            }

            reads.Add(read);
            taken += read.Rows.Count;
        }

        foreach (var range in roundEnded.TakeWhile(_ => taken < limit))
        {
            var read = await ReadRangeAsync(connection, transaction, range, limit - taken);
            reads.Add(read);
            taken += read.Rows.Count;
        }

        List<OutboxNotification> rows = [.. reads.SelectMany(r => r.Rows)];
        if (rows.Count == 0)
        {
            return ClaimOutcome.None;
        }

        var sent = Prefixes(rows, await publish(rows, cancellationToken));
        if (sent.Count > 0)
        {
            await MarkAsync(write, sent);
            await write.CommitAsync(cancellationToken);
        }

        ResumeAfter(reads, sent);

        // Claim again at once after publishing, and after a full read that handed nothing over (an identity that
        // cannot be published fills it: what comes after it in the range waits for no poll), unless this claim already
        // went round to a range's start, where the next would find the same again.
        var more = sent.Count > 0 || (reads.Any(r => r.Rows.Count == r.Limit) && roundEnded.Count == 0);
        return new ClaimOutcome(sent.Count, more);
    }

    /// <summary>
    /// Of <paramref name="handed"/>, each identity's rows of <paramref name="batch"/> up to the first not handed over:
    /// what may be marked published without a later seq going before an earlier one (a publisher that answered with a
    /// gap would otherwise lose the row in it: gateways drop a seq older than one they delivered).
    /// </summary>
    internal static List<OutboxNotification> Prefixes(IReadOnlyList<OutboxNotification> batch, IReadOnlyList<OutboxNotification> handed)
    {
        var answered = handed.Select(n => (n.TenantId, n.Seq)).ToHashSet();
        var stopped = new HashSet<Guid>();
        var prefixes = new List<OutboxNotification>(handed.Count);
        foreach (var row in batch)
        {
            if (!stopped.Contains(row.TenantId) && answered.Contains((row.TenantId, row.Seq)))
            {
                prefixes.Add(row);
            }
            else
            {
                stopped.Add(row.TenantId);
            }
        }

        return prefixes;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> pending rows of the slots in <paramref name="range"/>: one ordered scan of that range
    /// of the <c>outbox</c> key, after the key where the claims before stopped, or from its start.
    /// </summary>
    private async Task<RangeRead> ReadRangeAsync(DbConnection connection, DbTransaction transaction, (int First, int End) range, int limit)
    {
        var (first, end) = range;
        var after = _resumeAfter.Remove(range, out var resume) ? resume : new OutboxKey(first - 1, "", 0);
        List<OutboxNotification> rows = [.. await connection.QueryAsync<OutboxNotification>(
            $"{Pending} WHERE o.slot >= @first AND o.slot < @end AND (o.slot, o.tenant_id, o.seq) > (@afterSlot, @afterTenant, @afterSeq) ORDER BY o.slot, o.tenant_id, o.seq LIMIT @limit",
            new { first, end, afterSlot = after.Slot, afterTenant = after.TenantId, afterSeq = after.Seq, limit }, transaction)];
        return new RangeRead(range, limit, rows);
    }

    /// <summary>
    /// Where each range's next read starts; a short read reached the end of the range, so the next starts a new round
    /// from its start. A full read goes on right after its last row when that was handed over (so were its identity's
    /// rows before it: what is handed over of an identity is a prefix) and the read began with another identity; else
    /// after its last identity, so an identity gets at most two reads a round however fast it is written to.
    /// </summary>
    private void ResumeAfter(List<RangeRead> reads, IReadOnlyList<OutboxNotification> sent)
    {
        var handed = sent.Select(n => (n.TenantId, n.Seq)).ToHashSet();
        foreach (var (range, limit, rows) in reads.Where(r => r.Rows.Count == r.Limit))
        {
            var last = rows[^1];
            var goOnWithin = rows[0].TenantId != last.TenantId && handed.Contains((last.TenantId, last.Seq));
            _resumeAfter[range] = new OutboxKey(last.Slot, last.TenantId.ToString(), goOnWithin ? last.Seq : long.MaxValue);
        }
    }

    /// <summary>Marks <paramref name="published"/> published (their keys leave <c>outbox</c>) in one transaction.</summary>
    public async Task MarkPublishedAsync(IEnumerable<OutboxNotification> published, CancellationToken cancellationToken = default)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        await MarkAsync(write, published);
        await write.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> published notifications written before <paramref name="before"/>;
    /// returns how many. Pending ones (their key still in <c>outbox</c>) are never deleted, however old.
    /// </summary>
    public async Task<int> PruneAsync(long before, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            """
            DELETE FROM notification_log WHERE (tenant_id, seq) IN (
                SELECT n.tenant_id, n.seq FROM notification_log n
                WHERE n.at < @before AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.slot = n.slot AND o.tenant_id = n.tenant_id AND o.seq = n.seq)
                LIMIT @batchSize)
            """,
            new { before, batchSize });
    }

    /// <summary>
    /// Deletes the published rows' keys from <c>outbox</c>, as runs of consecutive seqs per identity (a claim's rows of
    /// one identity are one run: one index range each): on PostgreSQL one statement over arrays; on SQLite (in process,
    /// one node) a statement per run, in the one transaction.
    /// </summary>
    private Task<int> MarkAsync(WriteTransaction write, IEnumerable<OutboxNotification> published)
    {
        var runs = SeqRuns(published);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            return write.Connection.ExecuteAsync(
                """
                DELETE FROM outbox o USING unnest(@slots, @tenants, @firsts, @lasts) AS r(slot, tenant_id, first_seq, last_seq)
                WHERE o.slot = r.slot AND o.tenant_id = r.tenant_id AND o.seq BETWEEN r.first_seq AND r.last_seq
                """,
                new
                {
                    slots = runs.Select(r => r.Slot).ToArray(), tenants = runs.Select(r => r.TenantId.ToString()).ToArray(),
                    firsts = runs.Select(r => r.First).ToArray(), lasts = runs.Select(r => r.Last).ToArray(),
                },
                write.Transaction);
        }

        return write.Connection.ExecuteAsync(
            "DELETE FROM outbox WHERE slot = @Slot AND tenant_id = @TenantId AND seq BETWEEN @First AND @Last", runs, write.Transaction);
    }

    private sealed record SeqRun(int Slot, Guid TenantId, long First, long Last);

    /// <summary>
    /// The notifications' keys as runs of consecutive seqs per identity. Exact for any set: a run holds only seqs that
    /// are in it (an identity's seqs are unique), whatever a caller hands in.
    /// </summary>
    private static List<SeqRun> SeqRuns(IEnumerable<OutboxNotification> notifications)
    {
        var runs = new List<SeqRun>();
        foreach (var identity in notifications.GroupBy(n => (n.TenantId, n.Slot)))
        {
            var (tenantId, slot) = identity.Key;
            SeqRun? run = null;
            foreach (var seq in identity.Select(n => n.Seq).Distinct().Order())
            {
                if (run is not null && seq == run.Last + 1)
                {
                    run = run with { Last = seq };
                    continue;
                }

                if (run is not null)
                {
                    runs.Add(run);
                }

                run = new SeqRun(slot, tenantId, seq, seq);
            }

            runs.Add(run!);
        }

        return runs;
    }
}

/// <summary>What a claim did: how many notifications it published, and whether to claim again at once.</summary>
public readonly record struct ClaimOutcome(int Published, bool More)
{
    public static ClaimOutcome None { get; } = new(0, false);
}

/// <summary>The shards an instance holds, numbered under <see cref="Count"/> shards.</summary>
public sealed record HeldShards(int Count, IReadOnlyList<int> Shards)
{
    public static HeldShards None { get; } = new(0, []);
}
