using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Security;

/// <summary>Configuration section <c>Odin:Security</c>: the per-identity security health check.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Odin:Security";

    /// <summary>How often each identity is checked. Default 1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>A device that can still sign in but was not seen for this long is reported. Default 90 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan StaleDeviceAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>More owner tokens than this is reported (each is a way in). Default 5.</summary>
    [Range(1, 1000)]
    public int MaxOwnerTokens { get; set; } = 5;
}
