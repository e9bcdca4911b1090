using Dapper;
using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.Hosting.Common;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Jobs;

/// <summary>Wakes this instance's job runner when a job is enqueued here.</summary>
public sealed class JobSignal : WakeSignal;

/// <summary>
/// The jobs table. Every change of a claimed job is one statement conditional on its claim, so a runner that
/// lost its claim (its lease ran out and another instance took the job) can neither heartbeat, complete nor fail
/// it: the work it did is rolled back with the refused completion.
/// </summary>
public sealed class JobQueue(IDatabase database, JobSignal signal, InstanceIdentity instance, IOptions<JobOptions> options, TimeProvider time)
{
    private const string Returning =
        "RETURNING id AS Id, type AS Type, payload AS Payload, claim AS Claim, attempts AS Attempts, max_attempts AS MaxAttempts, every_ms AS EveryMs";

    /// <summary>Enqueues in its own transaction. False when a unique job with the same key is already pending.</summary>
    public async Task<bool> EnqueueAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var added = await EnqueueAsync(write, request);
        await write.CommitAsync(cancellationToken);
        if (added)
        {
            signal.WakeLocal();
        }

        return added;
    }

    /// <summary>
    /// Enqueues inside the caller's transaction, so the job exists if and only if the caller's change commits.
    /// False when a unique job with the same key is already pending.
    /// </summary>
    public async Task<bool> EnqueueAsync(WriteTransaction write, JobRequest request)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await write.Connection.ExecuteAsync(
            """
            INSERT INTO jobs (id, type, payload, unique_key, state, run_at, every_ms, max_attempts, created_at)
            VALUES (@id, @Type, @Payload, @UniqueKey, 'queued', @runAt, @everyMs, @maxAttempts, @now)
            ON CONFLICT DO NOTHING
            """,
            new
            {
                id = Guid.NewGuid(), request.Type, request.Payload, request.UniqueKey, now,
                runAt = now + (long)request.Delay.TotalMilliseconds,
                everyMs = (long?)request.Every?.TotalMilliseconds,
                maxAttempts = request.MaxAttempts ?? options.Value.MaxAttempts,
            },
            write.Transaction) == 1;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due jobs — queued ones whose time came, and running ones whose
    /// lease ran out — oldest first. Concurrent claimers never get the same job: PostgreSQL skips rows another
    /// claimer has locked; SQLite runs the statement under its write lock.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(int limit, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var skipLocked = database.Provider == DatabaseProvider.Postgres ? "FOR UPDATE SKIP LOCKED" : "";
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var claimed = (await write.Connection.QueryAsync<ClaimedJob>(
            $"""
             UPDATE jobs SET state = 'running', claim = @claim, runner = @runner, run_at = @leaseEnd, attempts = attempts + 1
             WHERE id IN (SELECT id FROM jobs WHERE state IN ('queued', 'running') AND run_at <= @now ORDER BY run_at LIMIT @limit {skipLocked})
             {Returning}
             """,
            new { claim = Guid.NewGuid().ToString("N"), runner = instance.Name, leaseEnd = now + LeaseMs, now, limit }, write.Transaction)).ToList();
        await write.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <summary>Extends the claim's lease. False when the claim was lost: stop working on the job.</summary>
    public async Task<bool> HeartbeatAsync(ClaimedJob job, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE jobs SET run_at = @leaseEnd WHERE id = @Id AND claim = @Claim AND state = 'running'",
            new { job.Id, job.Claim, leaseEnd = time.GetUtcNow().ToUnixTimeMilliseconds() + LeaseMs }) == 1;
    }

    /// <summary>
    /// Marks the run done inside <paramref name="write"/> (with whatever the handler wrote there): succeeded, or
    /// queued again for a recurring job. False when the claim was lost; the caller must then roll back.
    /// </summary>
    public async Task<bool> CompleteAsync(WriteTransaction write, ClaimedJob job)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var sql = job.EveryMs is null
            ? "UPDATE jobs SET state = 'succeeded', claim = NULL, finished_at = @now, last_error = NULL WHERE id = @Id AND claim = @Claim AND state = 'running'"
            : "UPDATE jobs SET state = 'queued', claim = NULL, run_at = @now + every_ms, attempts = 0, last_error = NULL WHERE id = @Id AND claim = @Claim AND state = 'running'";
        return await write.Connection.ExecuteAsync(sql, new { job.Id, job.Claim, now }, write.Transaction) == 1;
    }

    /// <summary>
    /// Records a failed run: queued again after the back-off, or failed for good once its attempts are used up
    /// (a recurring job instead waits for its next interval). False when the claim was lost.
    /// </summary>
    public async Task<bool> FailAsync(ClaimedJob job, string error, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var retry = job.Attempts < job.MaxAttempts;
        var sql = retry || job.EveryMs is not null
            ? "UPDATE jobs SET state = 'queued', claim = NULL, run_at = @runAt, attempts = @attempts, last_error = @error WHERE id = @Id AND claim = @Claim AND state = 'running'"
            : "UPDATE jobs SET state = 'failed', claim = NULL, finished_at = @now, last_error = @error WHERE id = @Id AND claim = @Claim AND state = 'running'";
        var runAt = retry ? now + (long)options.Value.RetryDelayAfter(job.Attempts).TotalMilliseconds : now + (job.EveryMs ?? 0);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(sql, new { job.Id, job.Claim, now, runAt, attempts = retry ? job.Attempts : 0, error }) == 1;
    }

    /// <summary>
    /// Gives a claimed job back without counting the attempt (this instance is stopping): it is due again at
    /// once, for any instance, instead of after its lease.
    /// </summary>
    public async Task ReleaseAsync(ClaimedJob job)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE jobs SET state = 'queued', claim = NULL, run_at = @now, attempts = attempts - 1 WHERE id = @Id AND claim = @Claim AND state = 'running'",
            new { job.Id, job.Claim, now = time.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    /// <summary>Deletes succeeded and failed jobs that finished before <paramref name="before"/> (Unix ms).</summary>
    public async Task<int> DeleteFinishedAsync(long before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM jobs WHERE state IN ('succeeded', 'failed') AND finished_at < @before", new { before });
    }

    /// <summary>How many jobs of <paramref name="type"/> are in each state (for the status endpoint and tests).</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountByStateAsync(string type, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string State, int Count)>(
            "SELECT state, CAST(COUNT(*) AS INTEGER) FROM jobs WHERE type = @type GROUP BY state", new { type });
        return rows.ToDictionary(r => r.State, r => r.Count);
    }

    private long LeaseMs => (long)options.Value.Lease.TotalMilliseconds;
}
