using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Odin.LoadTest;

/// <summary>One JSON call to Odin's HTTP API as the load driver makes it: bearer, Host (the identity), body; the reply's JSON, or an error that says what failed.</summary>
internal static class ApiCall
{
    public static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string? bearer, string? host, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(text).RootElement.Clone()
            : throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}");
    }
}
