using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// The <see cref="DeviceTokenAuthentication.Scheme"/> scheme: a bearer token in the <c>Authorization</c> header or, on
/// hub paths only, the <see cref="DeviceTokenAuthentication.QueryParameter"/>, verified by
/// <see cref="DeviceTokenValidation"/>. It does what JwtBearer did here, without what each request of it cost and
/// nothing used: a copy of the token and of the validation parameters, events, and a principal of every claim in the
/// token that the slim one was then copied from.
/// </summary>
internal sealed class DeviceTokenHandler(
    IOptionsMonitor<DeviceTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder, DeviceTokenValidation validation)
    : AuthenticationHandler<DeviceTokenOptions>(options, logger, encoder)
{
    private const string Bearer = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var onHub = Request.Path.StartsWithSegments(Options.HubPathPrefix);
        if (Token(onHub) is not { Length: > 0 } token)
        {
            return AuthenticateResult.NoResult();
        }

        var (principal, expiresAt, refusal) = await validation.ValidateAsync(token, Scheme.Name);
        if (principal is null)
        {
            return AuthenticateResult.Fail($"The device token is refused ({refusal}).");
        }

        if (onHub)
        {
            // A hub connection keeps its request for as long as it lives: drop the header that carried the verified token.
            Request.Headers.Authorization = default;
        }

        // CloseOnAuthenticationExpiration ends a hub connection at this time.
        return AuthenticateResult.Success(new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = expiresAt }, Scheme.Name));
    }

    /// <summary>The <c>Authorization</c> header wins; the query parameter counts only on hub paths and without the header.</summary>
    private ReadOnlyMemory<char>? Token(bool onHub)
    {
        string? authorization = Request.Headers.Authorization;
        if (!string.IsNullOrEmpty(authorization))
        {
            return authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? authorization.AsMemory(Bearer.Length).Trim() : null;
        }

        return onHub && Request.Query.TryGetValue(DeviceTokenAuthentication.QueryParameter, out var query) ? query.ToString().AsMemory() : null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // RFC 6750: a 401 names the scheme it wants, and says when a token was presented and refused (not why).
        var refused = (await HandleAuthenticateOnceSafeAsync()).Failure is not null;
        Response.Headers.WWWAuthenticate = refused ? "Bearer error=\"invalid_token\"" : "Bearer";
        await base.HandleChallengeAsync(properties);
    }
}
