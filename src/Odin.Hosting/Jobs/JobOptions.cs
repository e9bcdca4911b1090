using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Jobs;

/// <summary>Configuration section <c>Odin:Jobs</c>. Every instance runs a job runner with these settings.</summary>
public sealed class JobOptions
{
    public const string Section = "Odin:Jobs";

    /// <summary>How often an idle runner looks for due jobs it was not woken for. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Jobs one instance runs at once. Default 4.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 4;

    /// <summary>
    /// How long a claim lasts without a heartbeat (sent every third of it). A job whose runner died is run
    /// again by another instance this long after its last heartbeat. Default 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.300", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts before a job is marked failed, unless the job says otherwise. Default 5.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry; doubles with each failed attempt up to <see cref="MaxRetryDelay"/>. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between attempts. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long succeeded and failed jobs are kept for inspection before clean-up deletes them. Default 1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often the clean-up job runs. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, after attempt <paramref name="attempt"/> failed.</summary>
    public TimeSpan RetryDelayAfter(int attempt) => Common.Backoff.After(attempt, RetryDelay, MaxRetryDelay);
}
