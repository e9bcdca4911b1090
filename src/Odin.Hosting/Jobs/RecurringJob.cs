namespace Odin.Hosting.Jobs;

/// <summary>
/// A job every instance enqueues at start. Its request carries a unique key and an interval, so however many
/// instances start at once exactly one such job exists, and it queues itself again after each run.
/// </summary>
public sealed record RecurringJob(JobRequest Request);
