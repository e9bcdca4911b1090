using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Odin.LoadTest.Run;

/// <summary>
/// Prepares a load test on a running Odin (a cluster through HAProxy, or one node): an identity, a drive,
/// and N registered devices with fresh access tokens, all through the public HTTP API.
/// </summary>
internal sealed class ClusterSetup
{
    private ClusterSetup(HttpClient http, string domain, string ownerToken, Guid drive, string[] tokens)
    {
        Http = http;
        Domain = domain;
        OwnerToken = ownerToken;
        Drive = drive;
        Tokens = tokens;
    }

    public HttpClient Http { get; }

    public string Domain { get; }

    public string OwnerToken { get; }

    public Guid Drive { get; }

    public string[] Tokens { get; }

    public static async Task<ClusterSetup> CreateAsync(Uri api, string adminKey, int devices, Action<string> progress)
    {
        var http = new HttpClient { BaseAddress = api };
        var domain = $"load-{Guid.NewGuid():N}.example";
        var tenant = await ApiCall.SendAsync(http, HttpMethod.Post, "/api/v1/admin/tenants", adminKey, null, new { domain });
        var owner = tenant.GetProperty("ownerToken").GetString()!;
        var drive = (await ApiCall.SendAsync(http, HttpMethod.Post, "/api/v1/owner/drives", owner, domain, new { alias = "load", name = "load" }))
            .GetProperty("driveId").GetGuid();
        var tokens = new string[devices];
        await Parallel.ForEachAsync(Enumerable.Range(0, devices), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var device = await ApiCall.SendAsync(http, HttpMethod.Post, "/api/v1/owner/devices", owner, domain,
                new { name = $"load device {i}", drives = new[] { new { driveId = drive, permission = "read" } } });
            var token = await ApiCall.SendAsync(http, HttpMethod.Post, "/api/v1/device/token", null, domain,
                new { deviceId = device.GetProperty("deviceId").GetGuid(), deviceSecret = device.GetProperty("deviceSecret").GetString() });
            tokens[i] = token.GetProperty("accessToken").GetString()!;
        });
        progress($"identity {domain}: drive {drive}, {devices} devices registered");
        return new ClusterSetup(http, domain, owner, drive, tokens);
    }

    /// <summary>Writes one new file to the drive; its notification goes to every device.</summary>
    public async Task WriteAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/drives/{Drive}/files/{Guid.NewGuid()}")
        {
            Content = JsonContent.Create(new { metadata = new { by = "Odin.LoadTest" } }),
        };
        request.Headers.Host = Domain;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OwnerToken);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }
}
