using Dapper;
using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Which outbox shards this instance's dispatcher publishes. On PostgreSQL each Hosting instance holds a fair share of
/// the shards by lease (<c>outbox_leases</c>), renewed every third of <see cref="NotificationOptions.ShardLease"/>:
/// an instance that joins gets its share as the others give up what is beyond theirs, and the shards of one that dies
/// are taken within the lease (one that stops gives them up at once). The shard count is the one in
/// <c>outbox_settings</c>; it changes to a new <see cref="NotificationOptions.Shards"/> once every live instance asks for
/// it, in one transaction that waits for the claims under way. A single node (SQLite) holds every shard.
/// </summary>
public sealed partial class OutboxShards(
    IDatabase database, InstanceIdentity instance, IOptions<NotificationOptions> options, TimeProvider time, ILogger<OutboxShards> logger)
    : BackgroundService
{
    private volatile HeldShards _held = HeldShards.None;
    private volatile IReadOnlyDictionary<int, string> _owners = new Dictionary<int, string>();

    /// <summary>The shards this instance holds now (none until the first renewal).</summary>
    public HeldShards Held => _held;

    /// <summary>Raised when this instance took shards it did not hold: their pending rows are for it now.</summary>
    public event Action? Gained;

    /// <summary>The instance holding <paramref name="tenantId"/>'s shard, as of the last renewal (null: nobody, or not known yet).</summary>
    public string? OwnerOf(Guid tenantId)
    {
        var held = _held;
        var count = held.Count > 0 ? held.Count : options.Value.Shards;
        return _owners.GetValueOrDefault(OutboxSlots.ShardOf(tenantId, count));
    }

    /// <summary>This instance's name, as the leases record it.</summary>
    public string Instance => instance.Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != DatabaseProvider.Postgres)
        {
            var count = options.Value.Shards;
            Take(new HeldShards(count, [.. Enumerable.Range(0, count)]), Enumerable.Range(0, count).ToDictionary(s => s, _ => instance.Name));
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RenewAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
                {
                    LogRenewFailed(logger, ex.Message); // the leases run on until they expire; the next round tries again
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRenewFault(logger, ex); // any other fault: an exception that left the service would stop the host
                }

                await Task.Delay(options.Value.ShardLease / 3, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: StopAsync gives the shards up
        }
    }

    /// <summary>Once the renewals have stopped (they may never have started), the shards are given up.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            await ReleaseAsync();
        }
    }

    /// <summary>One transaction: this instance alive, the dead forgotten, the count settled, the fair share held.</summary>
    internal async Task RenewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)options.Value.ShardLease.TotalMilliseconds;
        var wanted = options.Value.Shards;
        var me = instance.Name;
        int count;
        int[] owned;
        Dictionary<int, string> owners;
        await using (var write = await database.BeginWriteAsync(cancellationToken))
        {
            var (connection, transaction) = (write.Connection, write.Transaction);
            await connection.ExecuteAsync(
                """
                INSERT INTO outbox_dispatchers (instance, seen_until, shards_wanted) VALUES (@me, @until, @wanted)
                ON CONFLICT (instance) DO UPDATE SET seen_until = excluded.seen_until, shards_wanted = excluded.shards_wanted;
                DELETE FROM outbox_dispatchers WHERE seen_until < @now;
                INSERT INTO outbox_settings (id, shards) VALUES (1, @wanted) ON CONFLICT (id) DO NOTHING;
                """,
                new { me, until, wanted, now }, transaction);
            count = await connection.ExecuteScalarAsync<int>("SELECT shards FROM outbox_settings WHERE id = 1", transaction: transaction);
            var wants = (await connection.QueryAsync<int>("SELECT shards_wanted FROM outbox_dispatchers", transaction: transaction)).ToList();
            if (wants.All(w => w != count) && wants.Distinct().Count() == 1)
            {
                await write.CommitAsync(cancellationToken);
                await SwitchCountAsync(count, wants[0], cancellationToken);
                return; // the next renewal takes shards under the new count
            }

            var share = (count + wants.Count - 1) / wants.Count;
            var leases = (await connection.QueryAsync<(int Shard, string Owner, long ExpiresAt)>(
                "SELECT shard AS Shard, owner AS Owner, expires_at AS ExpiresAt FROM outbox_leases", transaction: transaction)).ToList();
            var mine = leases.Where(l => l.Owner == me && l.Shard < count).Select(l => l.Shard).Order().ToList();
            var giveUp = mine.Skip(share).ToArray();
            var free = Enumerable.Range(0, count)
                .Except(leases.Where(l => l.ExpiresAt >= now && l.Shard < count).Select(l => l.Shard))
                .Take(Math.Max(0, share - mine.Count))
                .ToArray();
            await connection.ExecuteAsync(
                """
                DELETE FROM outbox_leases WHERE shard >= @count OR (owner = @me AND shard = ANY(@giveUp));
                UPDATE outbox_leases SET expires_at = @until WHERE owner = @me;
                INSERT INTO outbox_leases (shard, owner, expires_at) SELECT s, @me, @until FROM unnest(@free) AS s
                ON CONFLICT (shard) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE outbox_leases.expires_at < @now;
                """,
                new { count, me, giveUp, until, free, now }, transaction);
            owners = (await connection.QueryAsync<(int Shard, string Owner)>(
                "SELECT shard AS Shard, owner AS Owner FROM outbox_leases", transaction: transaction)).ToDictionary(l => l.Shard, l => l.Owner);
            owned = [.. owners.Where(o => o.Value == me).Select(o => o.Key).Order()];
            await write.CommitAsync(cancellationToken);
        }

        Take(new HeldShards(count, owned), owners);
    }

    /// <summary>
    /// Every live instance asks for <paramref name="to"/> shards: switch, once no claim is under way (the lock every
    /// claim holds shared is taken exclusively: claims under way finish first, new ones wait). Pending rows need nothing:
    /// each identity's are in one shard under either count, and no claim runs across the switch.
    /// </summary>
    private async Task SwitchCountAsync(int from, int to, CancellationToken cancellationToken)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var (connection, transaction) = (write.Connection, write.Transaction);
        await connection.ExecuteAsync("SET LOCAL lock_timeout = '10s'", transaction: transaction);
        await connection.ExecuteAsync(
            "SELECT pg_advisory_xact_lock(@ShardLockClass, @ShardCountLock)",
            new { NotificationOutbox.ShardLockClass, NotificationOutbox.ShardCountLock }, transaction);
        await connection.ExecuteAsync(
            "UPDATE outbox_settings SET shards = @to WHERE id = 1 AND shards = @from; DELETE FROM outbox_leases;", new { from, to }, transaction);
        await write.CommitAsync(cancellationToken);
        Take(HeldShards.None, new Dictionary<int, string>());
        LogSwitched(logger, from, to);
    }

    private void Take(HeldShards held, IReadOnlyDictionary<int, string> owners)
    {
        var before = _held;
        (_held, _owners) = (held, owners);
        if (held.Count != before.Count || held.Shards.Except(before.Shards).Any())
        {
            LogHolding(logger, held.Shards.Count, held.Count);
            Gained?.Invoke();
        }
    }

    /// <summary>A stopping instance gives its shards up at once, so the others take them at their next renewal.</summary>
    private async Task ReleaseAsync()
    {
        Take(HeldShards.None, new Dictionary<int, string>());
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync(
                "DELETE FROM outbox_leases WHERE owner = @me; DELETE FROM outbox_dispatchers WHERE instance = @me;", new { me = instance.Name });
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            LogRenewFailed(logger, ex.Message); // they expire within the lease instead
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing {Held} of {Count} outbox shards")]
    private static partial void LogHolding(ILogger logger, int held, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox shard leases could not be renewed ({Reason}); they run on until they expire")]
    private static partial void LogRenewFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Renewing the outbox shard leases failed; they run on until they expire, and the next round tries again")]
    private static partial void LogRenewFault(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox shard count is switched from {From} to {To}: every instance asks for it")]
    private static partial void LogSwitched(ILogger logger, int from, int to);
}
