namespace Odin.Hosting.Common;

/// <summary>
/// A background loop that works while there is work, then sleeps until its <see cref="WakeSignal"/> fires or
/// its poll interval passes. A database that does not answer costs one round, logged; so does any other fault of a
/// round (logged as an error): an exception that left a background service would stop the whole host.
/// </summary>
public abstract partial class WorkLoop(WakeSignal signal, TimeProvider time, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan PollInterval { get; }

    /// <summary>One round; true when it found work (there may be more at once).</summary>
    protected abstract Task<bool> RunOnceAsync(CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(stoppingToken))
                {
                    continue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is System.Data.Common.DbException or TimeoutException)
            {
                LogDatabaseUnavailable(logger, GetType().Name, ex.Message);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, GetType().Name, ex);
            }

            await signal.WaitAsync(PollInterval, time, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop} cannot reach the database ({Reason}); trying again")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string loop, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A round of {Loop} failed; trying again at the next wake-up or poll")]
    private static partial void LogRoundFailed(ILogger logger, string loop, Exception exception);
}
