using System.Diagnostics;
using System.Globalization;
using Dapper;
using Npgsql;
using Odin.Testing;

namespace Odin.LoadTest.Outbox;

/// <summary>
/// <c>outbox</c>: the write path's publishing side on one PostgreSQL and one Redis, with 1 and with 3 Hosting processes
/// (each round on a fresh database). Idle: database transactions per second across the instances
/// (<c>pg_stat_database.xact_commit</c>). Load: N notifications of many identities committed at once, then the time
/// until every one is published, and PostgreSQL statements per notification from <c>pg_stat_statements</c> (the
/// server must load it: <c>shared_preload_libraries=pg_stat_statements</c>, as <c>scripts/cluster.sh</c> starts it).
/// Retention: with a retention of 1 minute, a million notifications written in waves; the table's rows sampled.
/// </summary>
public static class OutboxCommand
{
    public const string Usage =
        "outbox --database CONNECTION-STRING (a role that may create databases) --redis CONFIG [--instances 1,3] [--notifications 100000] [--identities 200] [--idle-seconds 20] [--retention-notifications 1000000]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var server = args.Required("database");
        var redis = args.Required("redis");
        var counts = args.Optional("instances", "1,3").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
        var notifications = int.Parse(args.Optional("notifications", "100000"), CultureInfo.InvariantCulture);
        var identities = int.Parse(args.Optional("identities", "200"), CultureInfo.InvariantCulture);
        var idle = TimeSpan.FromSeconds(int.Parse(args.Optional("idle-seconds", "20"), CultureInfo.InvariantCulture));
        var retention = int.Parse(args.Optional("retention-notifications", "1000000"), CultureInfo.InvariantCulture);

        Console.WriteLine($"| Hosting instances | idle transactions/s (all instances) | {notifications} notifications published in | per second | statements per notification | transactions per notification | CPU per notification: Hosting (all) | PostgreSQL | Redis | cores busy | busiest instance's share |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var count in counts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var round = await OutboxRound.StartAsync(server, redis, count, cancellationToken);
            var idleRate = await round.IdleTransactionsPerSecondAsync(idle, cancellationToken);
            var load = await round.PublishAsync(identities, notifications, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {count} | {idleRate:F1} | {load.Took.TotalSeconds:F2} s | {notifications / load.Took.TotalSeconds:F0} | {load.Statements / (double)notifications:F4} | {load.Transactions / (double)notifications:F4} "
                + $"| {load.HostingCpu.TotalMicroseconds / notifications:F0} µs | {load.PostgresCpu.TotalMicroseconds / notifications:F0} µs | {load.RedisCpu.TotalMicroseconds / notifications:F0} µs "
                + $"| {(load.HostingCpu + load.PostgresCpu + load.RedisCpu) / load.Took:F2} | {load.BusiestShare:P0} |"));
        }

        if (retention > 0)
        {
            await using var round = await OutboxRound.StartAsync(server, redis, counts.Max(), cancellationToken, retentionMinute: true);
            var samples = await round.RetainAsync(identities, retention, cancellationToken);
            Console.WriteLine();
            Console.WriteLine($"Retention 1 minute, {retention} notifications written in waves by {counts.Max()} instances:");
            Console.WriteLine("| seconds | written | rows in the table | pending |");
            Console.WriteLine("|---:|---:|---:|---:|");
            foreach (var sample in samples)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {sample.At.TotalSeconds:F0} | {sample.Written} | {sample.Rows} | {sample.Pending} |"));
            }
        }

        return 0;
    }
}

/// <summary>One round of <see cref="OutboxCommand"/>: a fresh database and N Hosting processes on it.</summary>
internal sealed class OutboxRound : IAsyncDisposable
{
    /// <summary>Marks the benchmark's own statements, so the count of the instances' leaves them out.</summary>
    private const string Own = "/* outbox-bench */";

    private readonly string _serverConnection;
    private readonly string _database;
    private readonly string _folder = Directory.CreateTempSubdirectory("odin-outbox-bench-").FullName;
    private readonly List<Process> _instances = [];
    private readonly StackExchange.Redis.IConnectionMultiplexer _redis;

    /// <summary>The instances' key prefix in Redis: their histories are deleted with the round, so rounds do not pile up there.</summary>
    private readonly string _prefix = $"odin-outbox-bench-{Guid.NewGuid():N}";

    private OutboxRound(string serverConnection, string database, StackExchange.Redis.IConnectionMultiplexer redis)
    {
        (_serverConnection, _database, _redis) = (serverConnection, database, redis);
    }

    /// <summary>What one publishing round took; <see cref="BusiestShare"/>: the part of the notifications in the shards of the instance holding the most.</summary>
    public sealed record Load(TimeSpan Took, long Statements, long Transactions, TimeSpan HostingCpu, TimeSpan PostgresCpu, TimeSpan RedisCpu, double BusiestShare);

    public sealed record Sample(TimeSpan At, long Written, long Rows, long Pending);

    private string Connection => new NpgsqlConnectionStringBuilder(_serverConnection) { Database = _database }.ConnectionString;

    public static async Task<OutboxRound> StartAsync(string server, string redis, int instances, CancellationToken cancellationToken, bool retentionMinute = false)
    {
        var database = $"odin_outbox_bench_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.ExecuteAsync($"CREATE DATABASE {database}");
        }

        var round = new OutboxRound(server, database, await RedisCounters.ConnectAsync(redis));
        await using (var connection = new NpgsqlConnection(round.Connection))
        {
            await connection.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }

        var key = Path.Combine(round._folder, "signing-key.pem");
        Odin.Hosting.Auth.SigningKey.Load(key, createIfMissing: true);
        for (var i = 0; i < instances; i++)
        {
            var port = FreePort.Next();
            var start = new ProcessStartInfo("dotnet") { ArgumentList = { Compare.Repository.Dll("src/Odin.Hosting", "Odin.Hosting") } };
            start.Environment["Odin__Database__Provider"] = "Postgres";
            start.Environment["Odin__Database__ConnectionString"] = round.Connection;
            start.Environment["Odin__Redis__Configuration"] = redis;
            start.Environment["Odin__Redis__ChannelPrefix"] = round._prefix;
            start.Environment["Odin__Auth__SigningKeyPath"] = key;
            start.Environment["Odin__Admin__ApiKey"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            start.Environment["Odin__Keys__EncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            start.Environment["Odin__Temp__Root"] = Path.Combine(round._folder, $"temp{i}");
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            if (retentionMinute)
            {
                start.Environment["Odin__Notifications__Retention"] = "00:01:00";
                start.Environment["Odin__Notifications__PruneInterval"] = "00:00:10";
            }

            round._instances.Add(await ServerProcess.StartAsync(start, $"hosting{i + 1}", $"http://127.0.0.1:{port}"));
        }

        await Waiting.UntilAsync(async () => await round.HoldersAsync() == instances, TimeSpan.FromSeconds(60));
        return round;
    }

    /// <summary>Transactions per second the instances run against the database while nothing is written.</summary>
    public async Task<double> IdleTransactionsPerSecondAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Connection);
        await connection.ExecuteAsync($"{Own} SELECT pg_stat_statements_reset()");
        var before = await CommittedAsync();
        var clock = Stopwatch.StartNew();
        await Task.Delay(window, cancellationToken);
        var after = await CommittedAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        // What the idle instances run, most frequent first: where the transactions come from.
        var top = await connection.QueryAsync<(long Calls, string Query)>(
            $"{Own} SELECT calls AS Calls, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 90) AS Query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            + "WHERE d.datname = current_database() AND s.query NOT LIKE '%outbox-bench%' ORDER BY calls DESC LIMIT 8");
        foreach (var (calls, query) in top)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  idle, {_instances.Count} instances: {calls / seconds,6:F2}/s  {query}"));
        }

        return (after - before - 1) / seconds; // less the benchmark's own read
    }

    /// <summary>Commits <paramref name="notifications"/> at once (one statement), then times until none is pending.</summary>
    public async Task<Load> PublishAsync(int identities, int notifications, CancellationToken cancellationToken)
    {
        var tenants = await CreateIdentitiesAsync(identities);
        await using var connection = new NpgsqlConnection(Connection);
        // The clock, the counts and the CPU start once the rows are committed: what is measured is publishing them.
        await WriteAsync(connection, tenants, notifications / identities, 0);
        await connection.ExecuteAsync($"{Own} SELECT pg_stat_statements_reset()");
        var transactionsBefore = await CommittedAsync();
        var (hostingBefore, postgresBefore, redisBefore) = (HostingCpu(), PostgresCpu(), (await RedisCounters.TotalsAsync(_redis)).Cpu);
        var clock = Stopwatch.StartNew();
        while (await connection.ExecuteScalarAsync<bool>($"{Own} SELECT EXISTS (SELECT 1 FROM outbox)"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Delay(50, cancellationToken);
        }

        var took = clock.Elapsed;
        var (hostingCpu, postgresCpu, redisCpu) = (HostingCpu() - hostingBefore, PostgresCpu() - postgresBefore, (await RedisCounters.TotalsAsync(_redis)).Cpu - redisBefore);
        var statements = await connection.ExecuteScalarAsync<long>(
            $"{Own} SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() AND s.query NOT LIKE '%outbox-bench%'");
        var transactions = await CommittedAsync() - transactionsBefore;
        return new Load(took, statements, transactions, hostingCpu, postgresCpu, redisCpu, await BusiestShareAsync(connection, tenants));
    }

    /// <summary>Writes <paramref name="total"/> notifications in waves of 20 000, each once the last is published; samples the table.</summary>
    public async Task<List<Sample>> RetainAsync(int identities, int total, CancellationToken cancellationToken)
    {
        const int Wave = 20_000;
        var tenants = await CreateIdentitiesAsync(identities);
        await using var connection = new NpgsqlConnection(Connection);
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        TimeSpan? lastSample = null;
        long written = 0;
        async Task SampleAsync()
        {
            if (clock.Elapsed - lastSample < TimeSpan.FromSeconds(10))
            {
                return;
            }

            lastSample = clock.Elapsed;
            var rows = await connection.ExecuteScalarAsync<long>($"{Own} SELECT COUNT(*) FROM notification_log");
            samples.Add(new Sample(clock.Elapsed, written, rows, await PendingAsync(connection)));
        }

        for (var seqBase = 0; written < total; seqBase += Wave / identities)
        {
            await WriteAsync(connection, tenants, Wave / identities, seqBase);
            written += Wave / identities * identities;
            while (await PendingAsync(connection) > 0)
            {
                await SampleAsync();
                await Task.Delay(50, cancellationToken);
            }

            await SampleAsync();
        }

        // Past the retention and a prune: what stays is what was published in the last minute.
        var end = clock.Elapsed + TimeSpan.FromSeconds(80);
        while (clock.Elapsed < end)
        {
            await SampleAsync();
            await Task.Delay(1000, cancellationToken);
        }

        lastSample = null;
        await SampleAsync();
        return samples;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            ServerProcess.Stop(instance);
        }

        foreach (var server in _redis.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: $"{_prefix}*", pageSize: 1000))
            {
                await _redis.GetDatabase().KeyDeleteAsync(key, StackExchange.Redis.CommandFlags.FireAndForget);
            }
        }

        await _redis.GetDatabase().PingAsync(); // the deletes sent before it are done
        await _redis.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(_serverConnection))
        {
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        }

        Directory.Delete(_folder, recursive: true);
    }

    private TimeSpan HostingCpu() => _instances.Aggregate(TimeSpan.Zero, (sum, p) => sum + ProcessCpu.Time(p.Id));

    /// <summary>Every postgres process of this machine (the server and its backends): the benchmark's own database server.</summary>
    private static TimeSpan PostgresCpu()
    {
        var total = TimeSpan.Zero;
        foreach (var folder in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(folder, "comm")).Trim() == "postgres")
                {
                    total += ProcessCpu.Time(int.Parse(Path.GetFileName(folder), CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // the process ended meanwhile
            }
        }

        return total;
    }

    /// <summary>
    /// The share of the identities (each has as many notifications) whose shard the busiest instance holds: the instances
    /// finish together only when their shards hold as much, and the busiest one sets the time.
    /// </summary>
    private static async Task<double> BusiestShareAsync(NpgsqlConnection connection, List<(string Id, int Slot)> tenants)
    {
        var count = await connection.ExecuteScalarAsync<int>($"{Own} SELECT shards FROM outbox_settings WHERE id = 1");
        var owners = (await connection.QueryAsync<(int Shard, string Owner)>($"{Own} SELECT shard AS Shard, owner AS Owner FROM outbox_leases"))
            .ToDictionary(l => l.Shard, l => l.Owner);
        var perOwner = tenants.GroupBy(t => owners.GetValueOrDefault(t.Slot * count / Odin.Hosting.Notifications.OutboxSlots.Count, "")).Select(g => g.Count());
        return perOwner.Max() / (double)tenants.Count;
    }

    private async Task<int> HoldersAsync()
    {
        await using var connection = new NpgsqlConnection(Connection);
        return await connection.ExecuteScalarAsync<int>($"{Own} SELECT COUNT(DISTINCT owner) FROM outbox_leases");
    }

    private async Task<long> CommittedAsync()
    {
        await using var connection = new NpgsqlConnection(Connection);
        return await connection.ExecuteScalarAsync<long>($"{Own} SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()");
    }

    private static Task<long> PendingAsync(NpgsqlConnection connection) =>
        connection.ExecuteScalarAsync<long>($"{Own} SELECT COUNT(*) FROM outbox");

    private async Task<List<(string Id, int Slot)>> CreateIdentitiesAsync(int count)
    {
        var tenants = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).Select(id => (Id: id.ToString(), Slot: Odin.Hosting.Notifications.OutboxSlots.Of(id))).ToList();
        await using var connection = new NpgsqlConnection(Connection);
        await connection.ExecuteAsync(
            $"{Own} INSERT INTO tenants (id, domain, created_at) SELECT id, id || '.bench.example', 0 FROM unnest(@ids) AS id",
            new { ids = tenants.Select(t => t.Id).ToArray() });
        return tenants;
    }

    /// <summary>
    /// <paramref name="perIdentity"/> notifications for each identity, seqs after <paramref name="after"/>, committed in one
    /// statement (as many changes committing at once would leave them).
    /// </summary>
    private static Task<int> WriteAsync(NpgsqlConnection connection, List<(string Id, int Slot)> tenants, int perIdentity, int after) =>
        connection.ExecuteAsync(
            $"""
            {Own} WITH written AS (
                INSERT INTO notification_log (tenant_id, seq, id, type, file_id, version_tag, at, slot)
                SELECT t.id, @after + s, gen_random_uuid()::text, 'fileAdded', gen_random_uuid()::text, 'v', (extract(epoch from now()) * 1000)::bigint, t.slot
                FROM unnest(@ids, @slots) AS t(id, slot), generate_series(1, @perIdentity) AS s
                RETURNING slot, tenant_id, seq, at)
            INSERT INTO outbox (slot, tenant_id, seq, at) SELECT slot, tenant_id, seq, at FROM written
            """,
            new { ids = tenants.Select(t => t.Id).ToArray(), slots = tenants.Select(t => t.Slot).ToArray(), perIdentity, after }, commandTimeout: 300);
}
