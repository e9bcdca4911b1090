using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Reads the outbox's depth and lag every <see cref="Interval"/> for <c>/metrics</c>, the dashboard and readiness: the
/// whole outbox's unpublished rows and the oldest of them, and the oldest of the shards this instance publishes.
/// Measuring walks every pending key (O(backlog) while the outbox lags), so on PostgreSQL one instance at a time
/// measures for all, per shard, and stores it (<c>outbox_depth</c>); every instance reads what is stored and takes its
/// own shards' lag from it. The outbox is then walked once an interval however many instances there are; the instance
/// that measured also vacuums it once its deleted keys pile up (<see cref="OutboxVacuum"/>). A single node (SQLite)
/// measures for itself.
/// </summary>
internal sealed partial class OutboxMonitor : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A stored measurement younger than this is used as it is. Less than <see cref="Interval"/>, so the first instance
    /// to read after it measures again and the outbox is measured about once an interval, whatever the instances' phases.
    /// </summary>
    private static readonly TimeSpan Fresh = Interval * 0.8;

    /// <summary>Second key of the advisory lock the measuring instance holds (first: <see cref="NotificationOutbox.ShardLockClass"/>).</summary>
    private const int MeasureLock = -2;

    /// <summary>The measurement: per shard under <c>@shards</c> (of those with pending rows), how many and the oldest.</summary>
    private const string PerShardSql = $"SELECT {OutboxSlots.ShardOfSlotSql}, COUNT(*), MIN(o.at) FROM outbox o GROUP BY {OutboxSlots.ShardOfSlotSql}";

    private readonly IDatabase _database;
    private readonly OutboxShards _shards;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxMonitor> _logger;

    public OutboxMonitor(IDatabase database, OutboxShards shards, NotificationMetrics metrics, TimeProvider time, ILogger<OutboxMonitor> logger)
    {
        (_database, _shards, _time, _logger) = (database, shards, time, logger);
        metrics.Observe(this);
    }

    /// <summary>
    /// What the outbox looked like at the last reading; <paramref name="MeasuredAt"/> and <paramref name="MeasuredBy"/>
    /// say when and by which instance the figures were measured (on PostgreSQL, usually another instance).
    /// </summary>
    public sealed record Reading(
        long Depth, TimeSpan OldestAge, TimeSpan HeldOldestAge, IReadOnlyList<int> LaggingShards, DateTimeOffset MeasuredAt, string MeasuredBy);

    public Reading Latest { get; private set; } = new(0, TimeSpan.Zero, TimeSpan.Zero, [], DateTimeOffset.MinValue, "");

    public int HeldShards => _shards.Held.Shards.Count;

    /// <summary>The whole outbox per shard under <see cref="Shards"/> shards (only the shards with pending rows).</summary>
    private sealed record Measurement(int Shards, long At, string By, IReadOnlyList<(int Shard, long Pending, long OldestAt)> PerShard);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is DbException or TimeoutException)
                {
                    LogReadFailed(_logger, ex.Message);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(_logger, ex); // any other fault: an exception that left the service would stop the host
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>Reads the outbox (measuring it, if it is this instance's turn) into <see cref="Latest"/>.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var held = _shards.Held;
        var measurement = _database.Provider == DatabaseProvider.Postgres
            ? await ReadSharedAsync(held, cancellationToken)
            : await MeasureOwnAsync(held, cancellationToken);
        Latest = Summarize(measurement, held, _time.GetUtcNow());
    }

    /// <summary>
    /// PostgreSQL: reads what is stored; when no other instance is measuring (a try-lock) and what is stored is not fresh,
    /// measures and stores first. One transaction.
    /// </summary>
    private async Task<Measurement> ReadSharedAsync(HeldShards held, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var write = await _database.BeginWriteAsync(cancellationToken);
        var (connection, transaction) = (write.Connection, write.Transaction);
        var mayMeasure = await connection.ExecuteScalarAsync<bool>(
            "SELECT pg_try_advisory_xact_lock(@ShardLockClass, @MeasureLock)", new { NotificationOutbox.ShardLockClass, MeasureLock }, transaction);
        // Read after the lock is taken (a statement of its own sees what the last measurer committed), and the header
        // with its rows in one statement, so both are of one measurement.
        var stored = await ReadStoredAsync(connection, transaction);
        // Stale by this instance's clock; one stamped ahead of it counts as stale too, so an instance whose clock runs
        // ahead cannot keep a measurement it no longer takes alive for the others.
        var measures = mayMeasure && (stored is null || Math.Abs(now - stored.At) >= Fresh.TotalMilliseconds);
        if (measures)
        {
            // Under the count the dispatchers publish under (before the first lease renewal there is none yet).
            var shards = await connection.ExecuteScalarAsync<int?>("SELECT shards FROM outbox_settings WHERE id = 1", transaction: transaction)
                ?? Math.Max(held.Count, 1);
            await connection.ExecuteAsync(
                $"""
                DELETE FROM outbox_depth;
                INSERT INTO outbox_depth (shard, pending, oldest_at) {PerShardSql};
                INSERT INTO outbox_depth_read (id, shards, read_at, read_by) VALUES (1, @shards, @now, @me)
                ON CONFLICT (id) DO UPDATE SET shards = excluded.shards, read_at = excluded.read_at, read_by = excluded.read_by;
                """,
                new { shards, now, me = _shards.Instance }, transaction);
            stored = await ReadStoredAsync(connection, transaction);
        }

        await write.CommitAsync(cancellationToken);
        if (measures)
        {
            await OutboxVacuum.IfDeadKeysAsync(_database, _logger, cancellationToken);
        }

        return stored ?? new Measurement(Math.Max(held.Count, 1), now, "", []);
    }

    /// <summary>The stored measurement (null before the first), its header and rows read in one statement.</summary>
    private static async Task<Measurement?> ReadStoredAsync(DbConnection connection, DbTransaction transaction)
    {
        var rows = (await connection.QueryAsync<(int Shards, long At, string By, int? Shard, long? Pending, long? OldestAt)>(
            """
            SELECT r.shards, r.read_at, r.read_by, d.shard, d.pending, d.oldest_at
            FROM outbox_depth_read r LEFT JOIN outbox_depth d ON TRUE WHERE r.id = 1
            """, transaction: transaction)).ToList();
        return rows.Count == 0
            ? null
            : new Measurement(rows[0].Shards, rows[0].At, rows[0].By, [.. rows.Where(r => r.Shard is not null).Select(r => (r.Shard!.Value, r.Pending!.Value, r.OldestAt!.Value))]);
    }

    /// <summary>A single node: the whole outbox per shard, measured here.</summary>
    private async Task<Measurement> MeasureOwnAsync(HeldShards held, CancellationToken cancellationToken)
    {
        var shards = Math.Max(held.Count, 1);
        await using var connection = await _database.OpenAsync(cancellationToken);
        var perShard = await connection.QueryAsync<(int Shard, long Pending, long OldestAt)>(PerShardSql, new { shards });
        return new Measurement(shards, _time.GetUtcNow().ToUnixTimeMilliseconds(), _shards.Instance, [.. perShard]);
    }

    /// <summary>
    /// The whole outbox's figures, and this instance's shards' from the same measurement (none if it was measured under
    /// another shard count: a switch under way; the next measurement has them). Ages count to now from when the oldest
    /// was written, so a measurement a few seconds old is off by its age at most: a row published since still counts,
    /// one written since into a shard that had none does not yet.
    /// </summary>
    private static Reading Summarize(Measurement measurement, HeldShards held, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        TimeSpan Age(long at) => TimeSpan.FromMilliseconds(Math.Max(0, nowMs - at));
        var all = measurement.PerShard;
        var mine = measurement.Shards == held.Count ? all.Where(p => held.Shards.Contains(p.Shard)).ToList() : [];
        return new Reading(
            all.Sum(p => p.Pending),
            all.Count > 0 ? Age(all.Min(p => p.OldestAt)) : TimeSpan.Zero,
            mine.Count > 0 ? Age(mine.Min(p => p.OldestAt)) : TimeSpan.Zero,
            [.. mine.Where(p => Age(p.OldestAt) > TimeSpan.Zero).OrderBy(p => p.OldestAt).Select(p => p.Shard)],
            DateTimeOffset.FromUnixTimeMilliseconds(measurement.At),
            measurement.By);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox's depth could not be read ({Reason})")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Measuring the outbox failed; trying again at the next interval")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Readiness: an instance whose shards hold a notification older than <see cref="NotificationOptions.LagBound"/> says
/// so, as Degraded: still ready (200), so the load balancer keeps sending it writes. Lag is most often Redis away, which
/// every instance shares; were lag "not ready", a Redis outage past the bound would take every instance out of the
/// pool and stop the writes that the outbox exists to keep accepting. Taking one instance out would not publish its
/// shards any sooner either: publishing does not depend on the requests it is sent.
/// </summary>
internal sealed class OutboxLagCheck(OutboxMonitor monitor, IOptions<NotificationOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reading = monitor.Latest;
        var bound = options.Value.LagBound;
        return Task.FromResult(reading.HeldOldestAge <= bound
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded(
                $"outbox shards {string.Join(", ", reading.LaggingShards.Take(10))} hold a notification unpublished for {reading.HeldOldestAge.TotalSeconds:F0} s "
                + $"(Odin:Notifications:LagBound is {bound.TotalSeconds:F0} s)"));
    }
}
