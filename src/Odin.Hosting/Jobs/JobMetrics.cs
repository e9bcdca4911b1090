using System.Diagnostics.Metrics;
using Odin.ClusterPrimitives.Observability;
using Odin.Hosting.Notifications;

namespace Odin.Hosting.Jobs;

/// <summary>Job runs by outcome, tagged with the job type (every registered type from the first scrape): <c>odin_jobs_completed</c>, <c>_failed</c>, <c>_lost</c>.</summary>
public sealed class JobMetrics
{
    private readonly ExportedCount _completed;
    private readonly ExportedCount _failed;
    private readonly ExportedCount _lost;

    public JobMetrics(IMeterFactory meters, IEnumerable<JobHandlerRegistration> handlers)
    {
        var meter = meters.Create(NotificationMetrics.MeterName);
        var types = handlers.Select(h => h.Type).ToArray();
        _completed = new ExportedCount(meter, "odin.jobs.completed", "Job runs that completed", "type", types);
        _failed = new ExportedCount(meter, "odin.jobs.failed", "Job runs that failed (retried until their attempts are used up)", "type", types);
        _lost = new ExportedCount(meter, "odin.jobs.lost", "Job runs whose claim another instance took over after the lease ran out", "type", types);
    }

    public void Completed(string type) => _completed.Add(labelValue: type);

    public void Failed(string type) => _failed.Add(labelValue: type);

    public void Lost(string type) => _lost.Add(labelValue: type);
}
