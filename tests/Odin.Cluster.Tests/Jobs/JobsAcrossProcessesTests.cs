using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;
using Odin.Testing;
using Odin.TestHost;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.Jobs;

/// <summary>
/// Three real Odin.Hosting processes (the test host: Odin.Hosting plus <see cref="CountedJob"/>) on one
/// PostgreSQL and Redis, running the same jobs table.
/// </summary>
public sealed class JobsAcrossProcessesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private readonly RedisServer _redis = new();
    private readonly PostgresServer _postgres = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("odin-jobs-").FullName;
    private List<ProcessHost> _instances = [];
    private IDatabase _database = null!;
    private JobQueue _queue = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_redis.InitializeAsync(), _postgres.InitializeAsync());
        var connectionString = await _postgres.CreateDatabaseAsync();
        var environment = new Dictionary<string, string>
        {
            ["Odin__Database__Provider"] = "Postgres",
            ["Odin__Database__ConnectionString"] = connectionString,
            ["Odin__Redis__Configuration"] = _redis.ConnectionString,
            ["Odin__Redis__ChannelPrefix"] = $"odin-{Guid.NewGuid():N}",
            ["Odin__Auth__SigningKeyPath"] = Path.Combine(_folder, "signing-key.pem"),
            ["Odin__Admin__ApiKey"] = OdinHost.AdminKey,
            ["Odin__Keys__EncryptionKey"] = OdinHost.EncryptionKey,
            ["Odin__Jobs__Lease"] = Lease.ToString(),
            ["Odin__Jobs__PollInterval"] = "00:00:00.100",
            ["Odin__Leader__Lease"] = Lease.ToString(),
        };
        Odin.Hosting.Auth.SigningKey.Load(environment["Odin__Auth__SigningKeyPath"], createIfMissing: true);
        _database = StorageComposition.Create(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString });
        await CountedJob.CreateTablesAsync(_database);
        _instances = [.. Enumerable.Range(1, 3).Select(i =>
            new ProcessHost($"hosting{i}", RepositoryPaths.Executable("tests", "Odin.TestHost", "Odin.TestHost"), environment, _folder))];
        await Task.WhenAll(_instances.Select(i => i.StartAsync()));
        await Eventually.TrueAsync(async () => (await Task.WhenAll(_instances.Select(i => i.IsReadyAsync()))).All(r => r), "3 instances ready");

        _queue = new JobQueue(_database, new JobSignal(), new InstanceIdentity(), Options.Create(new JobOptions()), TimeProvider.System);
    }

    private async Task<List<ProcessHost>> LeadersAsync(IEnumerable<ProcessHost>? among = null)
    {
        var leaders = new List<ProcessHost>();
        foreach (var instance in among ?? _instances)
        {
            using var http = new HttpClient { BaseAddress = instance.BaseAddress };
            var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/health/leader")).RootElement;
            if (status.GetProperty("leader").GetBoolean())
            {
                leaders.Add(instance);
            }
        }

        return leaders;
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await ((IAsyncDisposable)_database).DisposeAsync();
        await _redis.DisposeAsync();
        await _postgres.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_thousand_jobs_on_three_instances_each_run_exactly_once()
    {
        await using (var write = await _database.BeginWriteAsync())
        {
            for (var i = 0; i < 1000; i++)
            {
                await _queue.EnqueueAsync(write, new JobRequest(CountedJob.Type, """{"firstAttemptMilliseconds":0}"""));
            }

            await write.CommitAsync();
        }

        await Eventually.TrueAsync(async () => (await _queue.CountByStateAsync(CountedJob.Type)).GetValueOrDefault("succeeded") == 1000,
            "all 1000 jobs to succeed", TimeSpan.FromSeconds(90));

        await using var connection = await _database.OpenAsync();
        Assert.Equal(1000, await connection.ExecuteScalarAsync<int>("SELECT COUNT(DISTINCT job_id) FROM job_runs"));
        Assert.Equal(1000, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM job_runs"));
        Assert.Equal(1000, await connection.ExecuteScalarAsync<int>("SELECT COUNT(DISTINCT job_id) FROM job_effects"));
        Assert.Equal(1000, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM job_effects"));
        var perRunner = (await connection.QueryAsync<(string Runner, int Count)>(
            "SELECT runner, CAST(COUNT(*) AS INTEGER) FROM job_runs GROUP BY runner")).ToList();
        output.WriteLine(string.Join(", ", perRunner.Select(r => $"{r.Runner}: {r.Count}")));
        Assert.True(perRunner.Count >= 2, "the work is shared between instances");
    }

    [Fact]
    public async Task A_killed_leader_is_replaced_within_its_lease_and_never_two_lead()
    {
        await Eventually.TrueAsync(async () => (await LeadersAsync()).Count == 1, "one instance to lead");
        var leader = (await LeadersAsync()).Single();
        leader.Kill();
        var killed = Stopwatch.StartNew();
        var survivors = _instances.Where(i => i != leader).ToList();
        await Eventually.TrueAsync(async () =>
        {
            var leading = await LeadersAsync(survivors);
            Assert.InRange(leading.Count, 0, 1);
            return leading.Count == 1;
        }, "another instance to lead", Lease * 3);
        output.WriteLine($"leader killed (-9); another led {killed.ElapsedMilliseconds} ms later (lease {Lease.TotalMilliseconds} ms)");
        Assert.InRange(killed.Elapsed, TimeSpan.Zero, Lease + TimeSpan.FromSeconds(2)); // expiry, then the next acquisition attempt (every third of a lease)
    }

    [Fact]
    public async Task A_job_whose_instance_is_killed_mid_run_is_reclaimed_after_its_lease_and_completes_once()
    {
        await _queue.EnqueueAsync(new JobRequest(CountedJob.Type, """{"firstAttemptMilliseconds":600000}"""));
        await using var connection = await _database.OpenAsync();
        string? firstRunner = null;
        await Eventually.TrueAsync(async () => (firstRunner = await connection.ExecuteScalarAsync<string?>("SELECT runner FROM job_runs")) is not null,
            "an instance to start the job");

        var pid = int.Parse(firstRunner!.Split('-')[^2], System.Globalization.CultureInfo.InvariantCulture);
        _instances.Single(i => i.ProcessId == pid).Kill();
        var killed = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => (await _queue.CountByStateAsync(CountedJob.Type)).GetValueOrDefault("succeeded") == 1,
            "another instance to complete the job", TimeSpan.FromSeconds(30));
        output.WriteLine($"killed mid-run; completed elsewhere {killed.ElapsedMilliseconds} ms later (lease {Lease.TotalMilliseconds} ms)");

        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM job_runs"));
        var effectRunner = Assert.Single(await connection.QueryAsync<string>("SELECT runner FROM job_effects"));
        Assert.NotEqual(firstRunner, effectRunner);
        Assert.InRange(killed.Elapsed, TimeSpan.Zero, Lease + TimeSpan.FromSeconds(10)); // the lease, then a poll; generous for a loaded machine
    }
}
