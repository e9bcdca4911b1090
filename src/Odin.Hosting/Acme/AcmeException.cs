namespace Odin.Hosting.Acme;

/// <summary>An ACME problem document (RFC 8555 §6.7) or a failed order, with what the CA said.</summary>
public class AcmeException(string type, string detail, int status) : Exception($"{type}: {detail} (HTTP {status})")
{
    public const string BadNonce = "urn:ietf:params:acme:error:badNonce";
    public const string RateLimited = "urn:ietf:params:acme:error:rateLimited";

    public string Type { get; } = type;

    public string Detail { get; } = detail;

    public int Status { get; } = status;
}

/// <summary>The CA refused for now: try again no earlier than <see cref="RetryAfter"/>.</summary>
public sealed class AcmeRateLimitedException(string detail, int status, DateTimeOffset retryAfter)
    : AcmeException(RateLimited, detail, status)
{
    public DateTimeOffset RetryAfter { get; } = retryAfter;
}
