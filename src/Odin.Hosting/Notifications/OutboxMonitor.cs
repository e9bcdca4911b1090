using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Reads the outbox's depth and lag every <see cref="Interval"/> (one query) for <c>/metrics</c> and for readiness:
/// the whole outbox's unpublished rows and the oldest of them, and the oldest of the shards this instance publishes.
/// </summary>
internal sealed partial class OutboxMonitor : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly IDatabase _database;
    private readonly OutboxShards _shards;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxMonitor> _logger;

    public OutboxMonitor(IDatabase database, OutboxShards shards, NotificationMetrics metrics, TimeProvider time, ILogger<OutboxMonitor> logger)
    {
        (_database, _shards, _time, _logger) = (database, shards, time, logger);
        metrics.Observe(this);
    }

    /// <summary>What the outbox looked like at the last reading.</summary>
    public sealed record Reading(long Depth, TimeSpan OldestAge, TimeSpan HeldOldestAge, IReadOnlyList<int> LaggingShards);

    public Reading Latest { get; private set; } = new(0, TimeSpan.Zero, TimeSpan.Zero, []);

    public int HeldShards => _shards.Held.Shards.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            do
            {
                try
                {
                    Latest = await ReadAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
                {
                    LogReadFailed(_logger, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private async Task<Reading> ReadAsync(CancellationToken cancellationToken)
    {
        var held = _shards.Held;
        var count = Math.Max(held.Count, 1);
        await using var connection = await _database.OpenAsync(cancellationToken);
        // Per shard of the pending rows: how many, and since when. The pending rows are few unless the outbox lags.
        var pending = (await connection.QueryAsync<(int Shard, long Rows, long Oldest)>(
            $"SELECT {OutboxSlots.ShardOfSlotSql} AS Shard, COUNT(*) AS Rows, MIN(o.at) AS Oldest FROM outbox o GROUP BY {OutboxSlots.ShardOfSlotSql}",
            new { shards = count })).ToList();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        TimeSpan Age(long at) => TimeSpan.FromMilliseconds(Math.Max(0, now - at));
        var mine = pending.Where(p => held.Shards.Contains(p.Shard)).ToList();
        return new Reading(
            pending.Sum(p => p.Rows),
            pending.Count > 0 ? Age(pending.Min(p => p.Oldest)) : TimeSpan.Zero,
            mine.Count > 0 ? Age(mine.Min(p => p.Oldest)) : TimeSpan.Zero,
            [.. mine.Where(p => Age(p.Oldest) > TimeSpan.Zero).OrderByDescending(p => now - p.Oldest).Select(p => p.Shard)]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox's depth could not be read ({Reason})")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}

/// <summary>Readiness: an instance whose shards hold a notification older than <see cref="NotificationOptions.LagBound"/> says so.</summary>
internal sealed class OutboxLagCheck(OutboxMonitor monitor, IOptions<NotificationOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reading = monitor.Latest;
        var bound = options.Value.LagBound;
        return Task.FromResult(reading.HeldOldestAge <= bound
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(
                $"outbox shards {string.Join(", ", reading.LaggingShards.Take(10))} hold a notification unpublished for {reading.HeldOldestAge.TotalSeconds:F0} s "
                + $"(Odin:Notifications:LagBound is {bound.TotalSeconds:F0} s)"));
    }
}
