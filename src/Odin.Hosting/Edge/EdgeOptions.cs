using System.ComponentModel.DataAnnotations;
using Odin.Hosting.Common;

namespace Odin.Hosting.Edge;

/// <summary>
/// Configuration section <c>Odin:RateLimits</c>: how many calls of the endpoints anyone can reach without an
/// owner token are answered per minute, per source address and per identity. Beyond, the answer is 429 with
/// <c>Retry-After</c>. A limit of 0 turns that limit off.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Odin:RateLimits";

    /// <summary>Device token requests per source address per minute (guessing a device secret). Default 300: a NAT of a few thousand devices refreshing every 10 minutes.</summary>
    [Range(0, 1_000_000)]
    public int DeviceTokenPerSource { get; set; } = 300;

    /// <summary>Device token requests per identity per minute, whatever their source. Default 600.</summary>
    [Range(0, 1_000_000)]
    public int DeviceTokenPerIdentity { get; set; } = 600;

    /// <summary>Anonymous peer deliveries per source address per minute (each makes this server call the sender). Default 300.</summary>
    [Range(0, 1_000_000)]
    public int PeerInboxPerSource { get; set; } = 300;

    /// <summary>Anonymous peer deliveries per identity per minute. Default 600.</summary>
    [Range(0, 1_000_000)]
    public int PeerInboxPerIdentity { get; set; } = 600;

    /// <summary>Admin API calls per source address per minute (guessing the admin key). Default 300.</summary>
    [Range(0, 1_000_000)]
    public int AdminPerSource { get; set; } = 300;
}

/// <summary>
/// Configuration section <c>Odin:Edge</c>: what Odin.Hosting believes of the proxy in front of it.
/// </summary>
public sealed class EdgeOptions : IValidatableObject
{
    public const string Section = "Odin:Edge";

    /// <summary>
    /// Proxies (comma-separated CIDR blocks, such as <c>127.0.0.1/32</c>) whose <c>X-Forwarded-For</c> names the
    /// real client, for rate limits and logs. Empty (the default): the header is ignored and the connection's
    /// own address is the source — behind a load balancer every caller would then share its address, so name it.
    /// </summary>
    public string? TrustedProxies { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        NetworkList.Invalid(TrustedProxies).Select(block => new ValidationResult($"'{block}' is not a CIDR block such as 127.0.0.1/32.", [nameof(TrustedProxies)]));
}
