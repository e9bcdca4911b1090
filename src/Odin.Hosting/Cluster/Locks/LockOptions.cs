using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Cluster.Locks;

/// <summary>Configuration section <c>Odin:Locks</c>.</summary>
public sealed class LockOptions
{
    public const string Section = "Odin:Locks";

    /// <summary>
    /// How long a distributed lock lives without renewal; RedLock renews it while held, so this only bounds how
    /// long a crashed holder blocks others. Default 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan Expiry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a waiter tries again. Default 50 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan Retry { get; set; } = TimeSpan.FromMilliseconds(50);
}
