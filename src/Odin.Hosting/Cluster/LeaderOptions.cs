using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Cluster;

/// <summary>Configuration section <c>Odin:Leader</c>.</summary>
public sealed class LeaderOptions
{
    public const string Section = "Odin:Leader";

    /// <summary>
    /// How long the leader's lease lasts without renewal (renewed every third of it). Default 10 s: a dead
    /// leader is replaced within this long, and a GC pause shorter than two thirds of it costs nothing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.300", "00:10:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(10);
}
