using Odin.Hosting.Cluster;
using Odin.Testing;

namespace Odin.Hosting.Tests.Cluster;

/// <summary>Leader-only work runs while this instance leads, stops the moment its term ends, and resumes with the next.</summary>
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

    private sealed class ProbeService(ILeaderElection election) : LeaderBackgroundService(election, TimeProvider.System)
    {
        private int _running;
        private int _runs;

        public int Running => Volatile.Read(ref _running);

        public int Runs => Volatile.Read(ref _runs);

        public List<long> Terms { get; } = [];

        protected override async Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken)
        {
            lock (Terms)
            {
                Terms.Add(term.FencingToken);
            }

            Interlocked.Increment(ref _runs);
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
