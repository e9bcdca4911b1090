using System.Diagnostics.Metrics;
using Odin.Hosting.Notifications;

namespace Odin.Hosting.Jobs;

/// <summary>Job runs by outcome, tagged with the job type: <c>odin_jobs_completed</c>, <c>_failed</c>, <c>_lost</c>.</summary>
public sealed class JobMetrics
{
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _lost;

    public JobMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(NotificationMetrics.MeterName);
        _completed = meter.CreateCounter<long>("odin.jobs.completed", description: "Job runs that completed");
        _failed = meter.CreateCounter<long>("odin.jobs.failed", description: "Job runs that failed (retried until their attempts are used up)");
        _lost = meter.CreateCounter<long>("odin.jobs.lost", description: "Job runs whose claim another instance took over after the lease ran out");
        // Exported from the first scrape, at 0, not from the first event.
        _completed.Add(0);
        _failed.Add(0);
        _lost.Add(0);
    }

    public void Completed(string type) => _completed.Add(1, new KeyValuePair<string, object?>("type", type));

    public void Failed(string type) => _failed.Add(1, new KeyValuePair<string, object?>("type", type));

    public void Lost(string type) => _lost.Add(1, new KeyValuePair<string, object?>("type", type));
}
