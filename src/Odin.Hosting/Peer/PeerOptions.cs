using System.ComponentModel.DataAnnotations;
using Odin.Hosting.Common;

namespace Odin.Hosting.Peer;

/// <summary>Configuration section <c>Odin:Peer</c>: sending files to other identities and taking them in.</summary>
public sealed class PeerOptions : IValidatableObject
{
    public const string Section = "Odin:Peer";

    /// <summary>
    /// Where peer calls go. Empty (the default): <c>https://{recipient domain}</c>, as on the internet. Set to a
    /// base URL (<c>http://127.0.0.1:8080</c>) to send every peer call there with the recipient's domain as the
    /// Host header: for a cluster whose identities all sit behind one load balancer, and for tests.
    /// </summary>
    [Url]
    public string? ResolveTo { get; set; }

    /// <summary>
    /// Networks peer calls may reach although they are not public (comma-separated CIDR blocks such as
    /// <c>127.0.0.0/8,10.1.2.0/24</c>). Empty (the default): only public addresses, as on the internet; a peer
    /// domain that resolves to loopback, a private or link-local range (and the like) is never connected to.
    /// Name the address of <see cref="ResolveTo"/> here when it is on the local network.
    /// </summary>
    public string? AllowedNetworks { get; set; }

    /// <summary>Delivery attempts before a transfer is marked failed. Default 10.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Wait before the first retry, doubling per attempt up to <see cref="MaxRetryDelay"/>. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between delivery attempts. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a peer HTTP call may take. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A popstamp claim older than this belongs to an instance that died mid-work; reconciliation frees it.
    /// Must exceed the longest delivery (<see cref="RequestTimeout"/> twice over). Default 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often idle senders and processors look for work they were not woken for. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the leader frees dead claims and deletes old delivered transfers. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long delivered and failed transfers stay visible to their owner. Default 7 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Rows claimed per round by each sender or processor. Default 20.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        NetworkList.Invalid(AllowedNetworks).Select(block => new ValidationResult($"'{block}' is not a CIDR block such as 127.0.0.0/8.", [nameof(AllowedNetworks)]));
}
