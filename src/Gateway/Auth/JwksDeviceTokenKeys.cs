using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.IdentityModel.Tokens;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Gateway.Auth;

/// <summary>
/// Device token keys fetched from Odin.Hosting's JWK Set (<c>Odin:Auth:JwksUrl</c>) and fetched again every
/// <paramref name="refresh"/>, so a key added or removed there reaches the gateways without a restart. The gateway
/// reports not ready until the first fetch succeeded.
/// </summary>
internal sealed partial class JwksDeviceTokenKeys(Uri url, TimeSpan refresh, TimeProvider time, ILogger<JwksDeviceTokenKeys> logger)
    : BackgroundService, IDeviceTokenKeys, IHealthCheck
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    /// <summary>Largest JWK Set read: a handful of keys is a few KiB, and the body is kept to compare with the next fetch.</summary>
    internal const int MaxJwkSetBytes = 1024 * 1024;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = MaxJwkSetBytes };
    private volatile IReadOnlyList<SecurityKey> _keys = [];
    private string? _fetched;

    public IReadOnlyList<SecurityKey> ValidationKeys => _keys;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_keys.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no device-token keys from the JWK Set (Odin:Auth:JwksUrl) yet"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = refresh;
            try
            {
                var json = await _http.GetStringAsync(url, stoppingToken);
                // An unchanged set keeps its list (the same object), so the tokens verified under it stay known (VerifiedTokens).
                if (json != _fetched)
                {
                    var keys = new JsonWebKeySet(json).GetSigningKeys();
                    if (keys.Count == 0)
                    {
                        throw new InvalidDataException("the JWK Set holds no signing key");
                    }

                    (_keys, _fetched) = ([.. keys], json);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or ArgumentException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogFetchFailed(logger, url, ex.Message);
                wait = RetryAfterFailure;
            }

            await Task.Delay(wait, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetching device-token keys from {Url} failed: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, Uri url, string reason);
}
