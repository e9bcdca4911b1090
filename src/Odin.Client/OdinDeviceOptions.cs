using Odin.Contracts;

namespace Odin.Client;

/// <summary>How an <see cref="OdinDevice"/> reaches its identity and how it behaves when things break.</summary>
public sealed class OdinDeviceOptions
{
    /// <summary>The identity's domain (e.g. <c>frodo.example</c>): the <c>Host</c> of every REST call. Required.</summary>
    public string Domain { get; set; } = "";

    /// <summary>The device's id, from <c>POST /api/v1/owner/devices</c>. Required unless <see cref="TokenProvider"/> is set.</summary>
    public Guid DeviceId { get; set; }

    /// <summary>The device's secret (shown once when it was registered). Required unless <see cref="TokenProvider"/> is set.</summary>
    public string? DeviceSecret { get; set; }

    /// <summary>
    /// Fetches an access token instead of the device-token endpoint (a device whose app server holds the secret).
    /// Throw <see cref="OdinRefusedException"/> to stop the device for good; any other exception is tried again with
    /// back-off. Default: none (the device calls <c>POST /api/v1/device/token</c> with its id and secret).
    /// </summary>
    public Func<CancellationToken, Task<DeviceTokenResponse>>? TokenProvider { get; set; }

    /// <summary>The drives to follow (empty: identity-wide events only). Default: none.</summary>
    public IReadOnlyList<Guid> Drives { get; set; } = [];

    /// <summary>Where REST calls go. Default: <c>https://{Domain}</c>.</summary>
    public Uri? ServerUrl { get; set; }

    /// <summary>
    /// The device hub's URL. Default: the <c>hubUrl</c> the token endpoint answers, at <see cref="ServerUrl"/>'s origin
    /// when that answer is on the identity's own domain (a device that reaches the server by another name reaches the
    /// hub by it too).
    /// </summary>
    public Uri? HubUrl { get; set; }

    /// <summary>The hub protocol. Default: <see cref="OdinProtocol.Json"/>.</summary>
    public OdinProtocol Protocol { get; set; } = OdinProtocol.Json;

    /// <summary>Where the device keeps its position (epoch and last seq) between runs. Default: in memory.</summary>
    public IDevicePositionStore PositionStore { get; set; } = new InMemoryDevicePositionStore();

    /// <summary>
    /// After a drop, or <c>Reconnect</c> with no <c>retryAfterMs</c>, the device waits a random time up to this before it
    /// comes back, so that the devices of a gateway that died do not all arrive at the same instant. Default: 5 s.
    /// </summary>
    public TimeSpan ReconnectJitter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between failed attempts ("full jitter": attempt n waits up to min(this, 1 s × 2ⁿ)). Default: 30 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A new token is fetched this long before the current one expires, and the connection moves onto it (a gateway closes
    /// a connection whose token expired). Default: 1 minute.
    /// </summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The HTTP client for the token endpoint and <c>/changes</c>. Default: one of the device's own.</summary>
    public HttpClient? Http { get; set; }

    /// <summary>Where the device logs what it does (connects, resumes, resyncs, waits). Default: nowhere.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

    internal Uri EffectiveServerUrl => ServerUrl ?? new Uri($"https://{Domain}");

    internal Uri HubUrlFor(DeviceTokenResponse token)
    {
        if (HubUrl is not null)
        {
            return HubUrl;
        }

        var answered = new Uri(token.HubUrl);
        return ServerUrl is not null && string.Equals(answered.Host, Domain, StringComparison.OrdinalIgnoreCase)
            ? new UriBuilder(answered) { Scheme = ServerUrl.Scheme, Host = ServerUrl.Host, Port = ServerUrl.Port }.Uri
            : answered;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Domain))
        {
            throw new ArgumentException("OdinDeviceOptions.Domain is required: the identity's domain, e.g. frodo.example.");
        }

        if (TokenProvider is null && (DeviceId == Guid.Empty || string.IsNullOrEmpty(DeviceSecret)))
        {
            throw new ArgumentException("OdinDeviceOptions needs DeviceId and DeviceSecret, or a TokenProvider.");
        }

        if (Drives.Distinct().Count() != Drives.Count)
        {
            throw new ArgumentException("OdinDeviceOptions.Drives lists a drive twice.");
        }

        if (ReconnectJitter < TimeSpan.Zero || MaxBackoff <= TimeSpan.Zero || TokenRefreshMargin < TimeSpan.Zero)
        {
            throw new ArgumentException("OdinDeviceOptions: ReconnectJitter and TokenRefreshMargin must be 0 or more, MaxBackoff more than 0.");
        }
    }
}

/// <summary>The hub protocol a device speaks.</summary>
public enum OdinProtocol
{
    Json,
    MessagePack,
}
