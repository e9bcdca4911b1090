using System.Net;
using System.Net.Http.Headers;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>
/// The device-token scheme at the hub's door (SignalR's negotiate request, which the hub's policy guards like the
/// WebSocket): what a client is told without a token, with one refused, and that the header and, on the hub's path,
/// the <c>access_token</c> query parameter both carry a valid one.
/// </summary>
public sealed class DeviceTokenChallengeTests
{
    [Fact]
    public async Task A_missing_or_refused_token_is_a_401_naming_the_bearer_scheme_and_a_valid_one_passes_by_header_or_query()
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.Host.BaseAddress };
        var (token, _) = gateway.Token([]);

        using var none = await NegotiateAsync(http, authorization: null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.ToString());

        foreach (var refused in new[] { "not-a-jwt", TamperedToken.Of(token) })
        {
            using var response = await NegotiateAsync(http, new AuthenticationHeaderValue("Bearer", refused));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("", await response.Content.ReadAsStringAsync()); // nothing of why
        }

        using var byHeader = await NegotiateAsync(http, new AuthenticationHeaderValue("Bearer", token));
        Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);
        using var byQuery = await http.PostAsync($"/hubs/device/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(token)}", null);
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        // Another scheme in the header wins over the query parameter: no bearer token, so none at all.
        using var otherScheme = new HttpRequestMessage(HttpMethod.Post, $"/hubs/device/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(token)}");
        otherScheme.Headers.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
        using var refusedOther = await http.SendAsync(otherScheme);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedOther.StatusCode);
    }

    private static Task<HttpResponseMessage> NegotiateAsync(HttpClient http, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/device/negotiate?negotiateVersion=1") { Headers = { Authorization = authorization } };
        return http.SendAsync(request);
    }
}
