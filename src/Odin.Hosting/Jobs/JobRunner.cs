using System.Data.Common;
using Microsoft.Extensions.Options;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Jobs;

/// <summary>
/// Runs on every instance: <see cref="JobOptions.Concurrency"/> workers each claim one due job at a time
/// (<see cref="JobQueue.ClaimAsync"/>), heartbeat its lease while the handler runs, and complete or fail it
/// under the claim. Safe on any number of instances because the claim is one atomic statement and every later
/// change is conditional on it.
/// </summary>
internal sealed partial class JobRunner(
    JobQueue queue,
    JobSignal signal,
    IDatabase database,
    IServiceProvider services,
    IEnumerable<JobHandlerRegistration> registrations,
    IEnumerable<RecurringJob> recurring,
    IOptions<JobOptions> options,
    JobMetrics metrics,
    TimeProvider time,
    ILogger<JobRunner> logger) : BackgroundService
{
    private Dictionary<string, IJobHandler> _handlers = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _handlers = registrations.ToDictionary(r => r.Type, r => (IJobHandler)services.GetRequiredService(r.HandlerType));
        await ScheduleRecurringAsync(stoppingToken);
        await Task.WhenAll(Enumerable.Range(0, options.Value.Concurrency).Select(worker => WorkAsync(polls: worker == 0, stoppingToken)));
    }

    /// <summary>Every instance enqueues the recurring jobs at start; their unique keys leave exactly one of each.</summary>
    private async Task ScheduleRecurringAsync(CancellationToken stoppingToken)
    {
        foreach (var job in recurring)
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await queue.EnqueueAsync(job.Request, stoppingToken);
                    break;
                }
                catch (Exception ex) when (ex is DbException or TimeoutException)
                {
                    LogDatabaseUnavailable(logger, ex.Message);
                    await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFault(logger, ex);
                    await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
                }
            }
        }
    }

    /// <param name="polls">
    /// This worker looks for jobs every poll interval when idle; the others wait until woken (by a local enqueue, or by a
    /// worker that found a job), so an idle instance costs one claim per interval, not one per worker.
    /// </param>
    private async Task WorkAsync(bool polls, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            ClaimedJob? job = null;
            try
            {
                job = (await queue.ClaimAsync(1, stoppingToken)).SingleOrDefault();
            }
            catch (Exception ex) when (ex is DbException or TimeoutException)
            {
                LogDatabaseUnavailable(logger, ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFault(logger, ex); // this worker waits for the next poll or wake-up, as when there is no job
            }

            if (job is null)
            {
                await signal.WaitAsync(polls ? options.Value.PollInterval : Timeout.InfiniteTimeSpan, time, stoppingToken);
                continue;
            }

            signal.WakeLocal(); // there may be more: let an idle worker look too
            await RunAsync(job, stoppingToken);
        }
    }

    private async Task RunAsync(ClaimedJob job, CancellationToken stoppingToken)
    {
        try
        {
            if (job.Attempts > job.MaxAttempts)
            {
                // Its earlier runners died mid-run (the attempt was counted at claim time, the failure never recorded).
                await RecordFailureAsync(job, $"gave up after {job.MaxAttempts} attempts whose runners stopped before finishing");
                return;
            }

            if (!_handlers.TryGetValue(job.Type, out var handler))
            {
                await RecordFailureAsync(job, $"no handler for job type '{job.Type}' on this instance");
                return;
            }

            using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var context = new JobContext(job);
            var heartbeat = HeartbeatAsync(job, run);
            try
            {
                await handler.RunAsync(context, run.Token);
                await CompleteAsync(job, context, run.Token);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                await queue.ReleaseAsync(job); // stopping: another instance takes it now, not after the lease
            }
            catch (Exception) when (run.IsCancellationRequested)
            {
                metrics.Lost(job.Type);
                LogClaimLost(logger, job.Id, job.Type);
            }
            catch (Exception ex)
            {
                await RecordFailureAsync(job, ex.Message);
            }
            finally
            {
                await run.CancelAsync();
                await heartbeat;
            }
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            // Could not record the outcome: the lease runs out and the job runs again.
            LogDatabaseUnavailable(logger, ex.Message);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogFault(logger, ex); // the same: the lease runs out and the job runs again
        }
    }

    private async Task CompleteAsync(ClaimedJob job, JobContext context, CancellationToken cancellationToken)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        foreach (var completionWrite in context.CompletionWrites)
        {
            await completionWrite(write);
        }

        if (!await queue.CompleteAsync(write, job))
        {
            metrics.Lost(job.Type); // another instance took the job: its writes roll back with this transaction
            LogClaimLost(logger, job.Id, job.Type);
            return;
        }

        await write.CommitAsync(cancellationToken);
        metrics.Completed(job.Type);
    }

    private async Task RecordFailureAsync(ClaimedJob job, string error)
    {
        metrics.Failed(job.Type);
        LogJobFailed(logger, job.Id, job.Type, job.Attempts, error);
        await queue.FailAsync(job, error);
    }

    /// <summary>Extends the lease every third of it; cancels the run when the claim is gone.</summary>
    private async Task HeartbeatAsync(ClaimedJob job, CancellationTokenSource run)
    {
        var every = options.Value.Lease / 3;
        while (!run.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, run.Token);
                if (!await queue.HeartbeatAsync(job, run.Token))
                {
                    await run.CancelAsync();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is DbException or TimeoutException)
            {
                LogDatabaseUnavailable(logger, ex.Message); // the next beat tries again; the lease has two more thirds
            }
            catch (Exception ex)
            {
                LogFault(logger, ex); // the same
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} ({Type}) failed on attempt {Attempt}: {Error}")]
    private static partial void LogJobFailed(ILogger logger, Guid id, string type, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} ({Type}) was taken over by another instance after its lease ran out; this run's writes are discarded")]
    private static partial void LogClaimLost(ILogger logger, Guid id, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job runner cannot reach the database ({Reason}); trying again")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string reason);

    /// <remarks>Any fault of its own work is logged and the runner goes on: an exception that left it would stop the host.</remarks>
    [LoggerMessage(Level = LogLevel.Error, Message = "Job runner failed; trying again")]
    private static partial void LogFault(ILogger logger, Exception exception);
}
