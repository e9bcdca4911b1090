using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Odin.Hosting.Tests.Api;

internal static class ApiAssert
{
    /// <summary>
    /// Asserts an RFC 7807 problem with <paramref name="status"/>, a <c>type</c> and a <c>detail</c> that names no
    /// type of ours or the runtime's, and returns the detail.
    /// </summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null), $"a type: {body}");
        var detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
        Assert.False(string.IsNullOrWhiteSpace(detail), $"a detail: {body}");
        Assert.DoesNotMatch(@"Odin\.|System\.|Microsoft\.|Exception|   at ", detail);
        return detail;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static StringContent RawJson(string text) => new(text, System.Text.Encoding.UTF8, "application/json");
}
