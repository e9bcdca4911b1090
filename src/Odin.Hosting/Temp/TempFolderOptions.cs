using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Temp;

/// <summary>Configuration section <c>Odin:Temp</c>: where uploads are staged, and when a staged file counts as abandoned.</summary>
public sealed class TempFolderOptions
{
    public const string Section = "Odin:Temp";

    /// <summary>
    /// The staging root (relative to the working directory). Each instance stages in its own sub-folder, so
    /// instances sharing the root (shared storage) never touch each other's files. Default <c>data/temp</c>.
    /// </summary>
    [Required]
    public string Root { get; set; } = "data/temp";

    /// <summary>
    /// A staged file not written to for this long was abandoned (its instance crashed mid-upload) and is
    /// deleted by the leader's sweep. An upload in progress writes continuously, so it is always younger.
    /// Default 1 hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the leader sweeps the staging root. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}
