using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Odin.ClusterPrimitives.PubSub;
using Odin.Hosting.Cluster;
using Odin.Hosting.Common;
using Odin.Hosting.Jobs;
using Odin.Hosting.Notifications;
using Odin.Hosting.Storage;
using Odin.Testing;

namespace Odin.Hosting.Tests.Common;

/// <summary>
/// Each of Hosting's own background loops meets a fault that is not the database's (here: the database throws an
/// <see cref="InvalidOperationException"/>) and goes on to its next round: an exception that left a background service
/// would stop the whole host (<c>BackgroundServiceExceptionBehavior.StopHost</c>).
/// </summary>
public sealed class BackgroundFaultTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FaultyDatabase _database = new(DatabaseProvider.Postgres);

    [Fact]
    public async Task The_outbox_shard_leases_are_renewed_again_after_a_fault()
    {
        using var shards = new OutboxShards(_database, new InstanceIdentity(), Options.Create(new NotificationOptions()), _time, NullLogger<OutboxShards>.Instance);
        await shards.StartAsync(CancellationToken.None);

        await AfterTheFaultAsync(shards, new NotificationOptions().ShardLease / 3);
        await shards.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_outbox_is_measured_again_after_a_fault()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var shards = new OutboxShards(_database, new InstanceIdentity(), Options.Create(new NotificationOptions()), _time, NullLogger<OutboxShards>.Instance);
        using var monitor = new OutboxMonitor(
            _database, shards, new NotificationMetrics(meters.GetRequiredService<IMeterFactory>()), _time, NullLogger<OutboxMonitor>.Instance);
        await monitor.StartAsync(CancellationToken.None);

        await AfterTheFaultAsync(monitor, OutboxMonitor.Interval);
        await monitor.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_job_runner_claims_again_after_a_fault()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new JobOptions { Concurrency = 1 });
        var signal = new JobSignal();
        using var runner = new JobRunner(
            new JobQueue(_database, signal, new InstanceIdentity(), options, _time), signal, _database, meters, [], [], options,
            new JobMetrics(meters.GetRequiredService<IMeterFactory>(), []), _time, NullLogger<JobRunner>.Instance);
        await runner.StartAsync(CancellationToken.None);

        await AfterTheFaultAsync(runner, options.Value.PollInterval);
        await runner.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_mirror_reloads_again_after_a_fault()
    {
        using var mirror = new ProbeMirror(_database, _time);
        await mirror.StartAsync(CancellationToken.None);

        await AfterTheFaultAsync(mirror, ProbeMirror.Interval);
        await mirror.StopAsync(CancellationToken.None);
    }

    /// <summary>
    /// Moves the clock on, an interval at a time, until the loop has met the fault twice: its first round failed and it
    /// came back for another. Without the catch the first fault ends the loop and the second never comes.
    /// </summary>
    private async Task AfterTheFaultAsync(Microsoft.Extensions.Hosting.BackgroundService service, TimeSpan interval)
    {
        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(interval); // the loop may not be waiting on the clock yet: move on until the round comes
                return _database.Faults >= 2;
            },
            "a round after the one that met the fault");
        Assert.False(service.ExecuteTask!.IsCompleted, "the service ended");
    }

    /// <summary>A database whose every use fails with a fault of the code, not with a <see cref="DbException"/>.</summary>
    private sealed class FaultyDatabase(DatabaseProvider provider) : IDatabase
    {
        private int _faults;

        public int Faults => Volatile.Read(ref _faults);

        public DatabaseProvider Provider => provider;

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) => Fail<DbConnection>();

        public Task<WriteTransaction> BeginWriteAsync(CancellationToken cancellationToken = default) => Fail<WriteTransaction>();

        private Task<T> Fail<T>()
        {
            Interlocked.Increment(ref _faults);
            throw new InvalidOperationException("a fault that is not the database's");
        }
    }

    private sealed class ProbeMirror(IDatabase database, TimeProvider time) : MirrorSync(new InProcessPubSubBroker(), time, NullLogger.Instance)
    {
        public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

        protected override string Topic => "probe";

        protected override string What => "a probe";

        protected override TimeSpan FullReloadInterval => Interval;

        protected override Task RefreshAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;

        protected override async Task LoadAllAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);
    }
}
