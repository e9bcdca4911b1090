using System.Net.Http.Json;
using System.Text.Json;

namespace Odin.Client;

/// <summary>The device's REST calls: to <see cref="OdinDeviceOptions.ServerUrl"/>, addressed to the identity by <c>Host</c>.</summary>
internal sealed class OdinHttp(OdinDeviceOptions options, HttpClient http)
{
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer, object? json, CancellationToken cancellationToken)
    {
        var server = options.EffectiveServerUrl;
        using var request = new HttpRequestMessage(method, new Uri(server, path));
        if (!string.Equals(server.Host, options.Domain, StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Host = options.Domain; // the server picks the identity by Host
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        if (json is not null)
        {
            request.Content = JsonContent.Create(json, options: Json);
        }

        return await http.SendAsync(request, cancellationToken);
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The <c>detail</c> of a problem answer (the server's one sentence of what was wrong), or the status.</summary>
    public static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
            if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                return detail.GetString()!;
            }
        }
        catch (JsonException)
        {
            // not a problem document: the status says it
        }

        return $"HTTP {(int)response.StatusCode} ({response.StatusCode})";
    }
}
