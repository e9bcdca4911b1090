using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Odin.Contracts;

namespace Odin.Client;

/// <summary>
/// The device's access token: fetched when needed, kept until it comes within the refresh margin of expiry, and
/// classified when refused (a refusal of the token endpoint is terminal; anything else is tried again).
/// </summary>
internal sealed class DeviceTokens(OdinDeviceOptions options, OdinHttp http, Microsoft.Extensions.Logging.ILogger logger)
{
    /// <summary>
    /// A token is used at least this long before it is renewed, so that a skewed clock or a provider that hands back
    /// a token near its end never makes a loop (Odin's tokens live 10 s or more: renewed half-way, never below this).
    /// </summary>
    private static readonly TimeSpan MinimumUse = TimeSpan.FromSeconds(5);

    private Issued? _current;

    private sealed record Issued(DeviceTokenResponse Token, DateTimeOffset RenewAt);

    /// <summary>When the connection should move onto a new token (null: no token yet).</summary>
    public DateTimeOffset? RenewAt => _current?.RenewAt;

    public async Task<DeviceTokenResponse> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && current.RenewAt > DateTimeOffset.UtcNow)
        {
            return current.Token;
        }

        return await IssueAsync(cancellationToken);
    }

    /// <summary>
    /// Fetches the token that replaces the current one. False: the token endpoint could not answer now (try again
    /// later; the current token lasts meanwhile). A refusal is true: the next <see cref="GetAsync"/> meets it and stops.
    /// </summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        try
        {
            await IssueAsync(cancellationToken);
            return true;
        }
        catch (OdinRefusedException)
        {
            _current = null;
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            DeviceLog.RenewalFailed(logger, ex.Message);
            return false;
        }
    }

    private async Task<DeviceTokenResponse> IssueAsync(CancellationToken cancellationToken)
    {
        var fetchedAt = DateTimeOffset.UtcNow;
        var token = options.TokenProvider is { } provider ? await provider(cancellationToken) : await FetchAsync(cancellationToken);
        // Renewed the margin before it expires, or half-way through a shorter life, and never sooner than MinimumUse.
        var margin = TimeSpan.FromTicks(Math.Min(options.TokenRefreshMargin.Ticks, (token.ExpiresAt - fetchedAt).Ticks / 2));
        var renewAt = token.ExpiresAt - margin;
        _current = new Issued(token, renewAt > fetchedAt + MinimumUse ? renewAt : fetchedAt + MinimumUse);
        return token;
    }

    /// <summary>The gateway refused the token (401): the next <see cref="GetAsync"/> asks for a new one.</summary>
    public void Invalidate() => _current = null;

    private async Task<DeviceTokenResponse> FetchAsync(CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(HttpMethod.Post, "/api/v1/device/token", bearer: null,
            new DeviceTokenRequest(options.DeviceId, options.DeviceSecret), cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadFromJsonAsync<DeviceTokenResponse>(OdinHttp.Json, cancellationToken)
                   ?? throw new HttpRequestException("The token endpoint answered an empty body.");
        }

        var kind = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => DeviceStopKind.Revoked,
            HttpStatusCode.Forbidden => DeviceStopKind.IdentityDisabled,
            HttpStatusCode.NotFound => DeviceStopKind.IdentityUnknown,
            _ => (DeviceStopKind?)null,
        };
        var detail = await OdinHttp.DetailAsync(response, cancellationToken);
        throw kind is { } terminal
            ? new OdinRefusedException(terminal, detail)
            : new HttpRequestException($"The token endpoint answered {(int)response.StatusCode}: {detail}", null, response.StatusCode);
    }

    /// <summary>The identity's id, from the token's <c>odin_tid</c> claim (the envelope of a change read from <c>/changes</c> carries it).</summary>
    public static Guid TenantIdOf(string accessToken)
    {
        var parts = accessToken.Split('.');
        if (parts.Length != 3)
        {
            return Guid.Empty;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var claims = JsonDocument.Parse(Convert.FromBase64String(payload));
            return claims.RootElement.TryGetProperty("odin_tid", out var tid) && Guid.TryParse(tid.GetString(), out var id) ? id : Guid.Empty;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return Guid.Empty;
        }
    }
}
