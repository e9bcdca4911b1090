using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Acme;

/// <summary>Configuration section <c>Odin:Acme</c>: where certificates come from.</summary>
public sealed class AcmeOptions
{
    public const string Section = "Odin:Acme";

    /// <summary>
    /// The ACME directory, for example <c>https://acme-staging-v02.api.letsencrypt.org/directory</c> (Let's Encrypt
    /// staging) or <c>https://acme-v02.api.letsencrypt.org/directory</c> (production). Empty (the default):
    /// no ACME; every identity gets a self-signed development certificate.
    /// </summary>
    [Url]
    public string? DirectoryUrl { get; set; }

    /// <summary>
    /// PEM of a CA certificate to trust for the ACME server's own HTTPS, besides the system's (a test CA such as
    /// pebble's). Empty: the system's trust only.
    /// </summary>
    public string? TrustedRootPath { get; set; }

    /// <summary>Contact e-mail for the ACME account (the CA writes about expiring certificates). Optional.</summary>
    [EmailAddress]
    public string? ContactEmail { get; set; }

    /// <summary>A certificate is renewed when it expires within this long. Default 30 days.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the leader looks for certificates to renew. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an order may take (validation, finalization) before it is given up. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan OrderTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
