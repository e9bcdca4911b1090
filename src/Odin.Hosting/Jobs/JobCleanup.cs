using Microsoft.Extensions.Options;

namespace Odin.Hosting.Jobs;

/// <summary>Recurring job: deletes succeeded and failed jobs older than <see cref="JobOptions.Retention"/>.</summary>
public sealed class JobCleanup(JobQueue queue, IOptions<JobOptions> options, TimeProvider time) : IJobHandler
{
    public const string Type = "odin.jobs.cleanup";

    public static RecurringJob Schedule(JobOptions options) =>
        new(new JobRequest(Type) { UniqueKey = Type, Every = options.CleanupInterval, Delay = options.CleanupInterval });

    public Task RunAsync(JobContext job, CancellationToken cancellationToken) =>
        queue.DeleteFinishedAsync((time.GetUtcNow() - options.Value.Retention).ToUnixTimeMilliseconds(), cancellationToken);
}
