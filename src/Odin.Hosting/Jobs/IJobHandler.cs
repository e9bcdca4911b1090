namespace Odin.Hosting.Jobs;

/// <summary>
/// Runs the jobs of one type. A job may run more than once when its runner dies mid-run (its lease runs out
/// and another instance takes it), so work outside the database must be idempotent. Database writes that must
/// happen exactly once go through <see cref="JobContext.OnComplete"/>: they commit together with the job's
/// completion, or not at all.
/// </summary>
public interface IJobHandler
{
    /// <summary>Throw to fail the attempt (it is retried with back-off); return to complete it.</summary>
    Task RunAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>Binds a job type name to its handler; added by <see cref="JobsComposition.AddJobHandler{THandler}"/>.</summary>
public sealed record JobHandlerRegistration(string Type, Type HandlerType);
