using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Odin.Hosting.Cluster;
using Odin.Testing;

namespace Odin.Hosting.Tests.Cluster;

/// <summary>
/// Leader-only work runs while this instance leads, stops the moment its term ends, and resumes with the next; a fault
/// in it is not the end of it (an exception that left a background service would stop the host).
/// </summary>
public sealed class LeaderBackgroundServiceTests
{
    [Fact]
    public async Task Leader_only_work_follows_the_terms_of_this_instance()
    {
        var election = new SwitchableElection();
        using var service = new ProbeService(election);
        using var stop = new CancellationTokenSource();
        await service.StartAsync(stop.Token);

        var first = election.Lead(1);
        await Eventually.TrueAsync(() => service.Running == 1, "the work to start in term 1");
        await first.CancelAsync(); // lease lost
        election.Follow();
        await Eventually.TrueAsync(() => service.Running == 0, "the work to stop when term 1 ends");
        Assert.Equal([1L], service.Terms);

        election.Lead(2);
        await Eventually.TrueAsync(() => service.Running == 1 && service.Terms.Contains(2), "the work to start again in term 2");
        await stop.CancelAsync();
        await service.StopAsync(CancellationToken.None);
        Assert.Equal(0, service.Running);
        Assert.Equal(2, service.Runs);
    }

    [Fact]
    public async Task Leader_only_work_that_fails_starts_again_after_a_pause_and_the_service_goes_on()
    {
        var election = new SwitchableElection();
        var time = new FakeTimeProvider();
        using var service = new ProbeService(election, time) { FailFirstRuns = 1 };
        await service.StartAsync(CancellationToken.None);

        election.Lead(1);
        await Eventually.TrueAsync(() => service.Runs == 1, "the work to start (and fail)");

        // The clock moves a second a look: the pause passes whenever the service began it.
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return service.Running == 1;
        }, "the work to start again after the pause");
        Assert.Equal(2, service.Runs);
        Assert.False(service.ExecuteTask!.IsCompleted); // the service did not end with the fault
        await service.StopAsync(CancellationToken.None);
        Assert.Equal(0, service.Running);
    }

    /// <summary>An election whose outcome the test sets: the leader-only host is what is under test here.</summary>
    private sealed class SwitchableElection : ILeaderElection
    {
        public LeaderTerm? Current { get; private set; }

        public CancellationTokenSource Lead(long token)
        {
            var ended = new CancellationTokenSource();
            Current = new LeaderTerm(token, ended.Token);
            return ended;
        }

        public void Follow() => Current = null;
    }

    private sealed class ProbeService(ILeaderElection election, TimeProvider? time = null)
        : LeaderBackgroundService(election, time ?? TimeProvider.System, NullLogger.Instance)
    {
        private int _running;
        private int _runs;

        /// <summary>Runs that throw at once, as a fault of the work would.</summary>
        public int FailFirstRuns { get; init; }

        public int Running => Volatile.Read(ref _running);

        public int Runs => Volatile.Read(ref _runs);

        public List<long> Terms { get; } = [];

        protected override async Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken)
        {
            lock (Terms)
            {
                Terms.Add(term.FencingToken);
            }

            if (Interlocked.Increment(ref _runs) <= FailFirstRuns)
            {
                throw new InvalidOperationException("a fault of the work");
            }

            Interlocked.Increment(ref _running);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
