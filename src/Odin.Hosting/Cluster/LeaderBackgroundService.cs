namespace Odin.Hosting.Cluster;

/// <summary>
/// A background service that runs on exactly one instance: the leader. <see cref="RunAsLeaderAsync"/> starts
/// when this instance becomes leader and is cancelled the moment its term ends (lease lost, shutdown); it starts
/// again if leadership comes back. Writes it makes should pass the term's fencing token to
/// <see cref="LeaderFence"/>. Services that are safe everywhere (the database claims their work) are plain
/// <see cref="BackgroundService"/>s: every instance runs them.
/// </summary>
public abstract class LeaderBackgroundService(ILeaderElection election, TimeProvider time) : BackgroundService
{
    /// <summary>How often a follower looks whether it leads now. Short next to any lease.</summary>
    private static readonly TimeSpan FollowerCheck = TimeSpan.FromMilliseconds(250);

    protected TimeProvider Time { get; } = time;

    protected abstract Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (election.Current is not { } term || term.Ended.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(FollowerCheck, Time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term.Ended);
            try
            {
                await RunAsLeaderAsync(term, leading.Token);
            }
            catch (OperationCanceledException) when (leading.IsCancellationRequested)
            {
                // the term ended or the host stops: follow again (or leave)
            }
        }
    }
}
