namespace Odin.Hosting.Jobs;

/// <summary>
/// A job to enqueue. <paramref name="Type"/> names the <see cref="IJobHandler"/> that runs it; the payload is
/// the handler's own text (JSON by convention).
/// </summary>
public sealed record JobRequest(string Type, string? Payload = null)
{
    /// <summary>
    /// At most one queued or running job has this key: enqueueing another while one is pending does nothing,
    /// however many instances try at once. Null: no such limit.
    /// </summary>
    public string? UniqueKey { get; init; }

    /// <summary>Run no earlier than this long from now. Default: at once.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Recurring: after each run the job is queued again this long later. Null: runs once.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>Attempts before the job is marked failed; null takes <see cref="JobOptions.MaxAttempts"/>.</summary>
    public int? MaxAttempts { get; init; }
}
