namespace Odin.Hosting.Jobs;

/// <summary>A job row as a runner claimed it: <see cref="Claim"/> is this run's ticket.</summary>
public sealed class ClaimedJob
{
    public Guid Id { get; init; }

    public string Type { get; init; } = "";

    public string? Payload { get; init; }

    public string Claim { get; init; } = "";

    /// <summary>This run's number, from 1.</summary>
    public int Attempts { get; init; }

    public int MaxAttempts { get; init; }

    public long? EveryMs { get; init; }
}
