namespace Odin.Hosting.Cluster;

/// <summary>
/// A background service that runs on exactly one instance: the leader. <see cref="RunAsLeaderAsync"/> starts
/// when this instance becomes leader and is cancelled the moment its term ends (lease lost, shutdown); it starts
/// again if leadership comes back. Writes it makes should pass the term's fencing token to
/// <see cref="LeaderFence"/>. Services that are safe everywhere (the database claims their work) are plain
/// <see cref="BackgroundService"/>s: every instance runs them. A fault that escapes <see cref="RunAsLeaderAsync"/> is
/// logged and the service starts again after <see cref="AfterFault"/>: an exception that left a background service
/// stops the whole host.
/// </summary>
public abstract partial class LeaderBackgroundService(ILeaderElection election, TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>How often a follower looks whether it leads now. Short next to any lease.</summary>
    private static readonly TimeSpan FollowerCheck = TimeSpan.FromMilliseconds(250);

    /// <summary>The pause before a leader's work that failed with a fault starts again.</summary>
    private static readonly TimeSpan AfterFault = TimeSpan.FromSeconds(5);

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
            catch (Exception ex)
            {
                LogFaulted(logger, GetType().Name, AfterFault.TotalSeconds, ex);
                try
                {
                    await Task.Delay(AfterFault, Time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service} failed; it starts again in {Seconds} s if this instance still leads")]
    private static partial void LogFaulted(ILogger logger, string service, double seconds, Exception exception);
}
