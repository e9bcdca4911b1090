using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Odin.Testing;

/// <summary>A thin client for the HTTP API, so tests read as the walk-through does.</summary>
/// <param name="adminKey">The operator's key (the test hosts' own by default; a cluster's from <c>.cluster/admin-key</c>).</param>
public sealed class OdinApi(HttpClient http, string adminKey = OdinHost.AdminKey)
{
    public HttpClient Http { get; } = http;

    public async Task<TenantHandle> CreateTenantAsync(string? domain = null)
    {
        domain ??= $"t{Guid.NewGuid():N}.example";
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", adminKey, null, new { domain });
        await EnsureAsync(response, HttpStatusCode.Created);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return new TenantHandle(this, Guid.Parse((string)body["tenantId"]!), domain, (string)body["ownerToken"]!);
    }

    /// <summary>A new identity with one drive (<c>docs</c>) and a device that reads it.</summary>
    public async Task<(TenantHandle Tenant, Guid Drive, DeviceHandle Device)> CreateReaderAsync()
    {
        var tenant = await CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        return (tenant, drive, await tenant.CreateDeviceAsync((drive, "read")));
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer, string? host, object? json = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (json is not null)
        {
            // Serialized up front so the request has a Content-Length the server can judge before the body.
            request.Content = json as HttpContent ?? new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(json, JsonSerializerOptions.Web))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            };
            // As a careful client does: a body the server refuses up front (413) is then never sent,
            // instead of racing the server's close with a half-sent body (a broken pipe).
            request.Headers.ExpectContinue = true;
        }

        return Http.SendAsync(request);
    }

    public static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            throw new HttpRequestException($"Expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}

/// <summary>A tenant created for a test, with its owner token.</summary>
public sealed record TenantHandle(OdinApi Api, Guid TenantId, string Domain, string OwnerToken)
{
    public Task<HttpResponseMessage> OwnerAsync(HttpMethod method, string path, object? json = null, string? ifMatch = null) =>
        Api.SendAsync(method, path, OwnerToken, Domain, json, ifMatch);

    public async Task<Guid> CreateDriveAsync(string alias)
    {
        using var response = await OwnerAsync(HttpMethod.Post, "/api/v1/owner/drives", new { alias, name = alias });
        await OdinApi.EnsureAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("driveId").GetGuid();
    }

    /// <summary>Registers a device with the given grants and returns it with a fresh access token.</summary>
    public async Task<DeviceHandle> CreateDeviceAsync(params (Guid DriveId, string Permission)[] drives)
    {
        using var response = await OwnerAsync(HttpMethod.Post, "/api/v1/owner/devices",
            new { name = "test device", drives = drives.Select(d => new { driveId = d.DriveId, permission = d.Permission }) });
        await OdinApi.EnsureAsync(response, HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var deviceId = body.GetProperty("deviceId").GetGuid();
        var secret = body.GetProperty("deviceSecret").GetString()!;
        using var token = await Api.SendAsync(HttpMethod.Post, "/api/v1/device/token", null, Domain, new { deviceId, deviceSecret = secret });
        await OdinApi.EnsureAsync(token, HttpStatusCode.OK);
        var tokenBody = await token.Content.ReadFromJsonAsync<JsonElement>();
        return new DeviceHandle(this, deviceId, secret, tokenBody.GetProperty("accessToken").GetString()!);
    }

    /// <summary>PUT as the owner; returns the response (caller disposes). <paramref name="rawIfMatch"/> is sent as it is.</summary>
    public Task<HttpResponseMessage> PutFileAsync(Guid driveId, Guid fileId, object? body = null, string? versionTag = null, string? bearer = null, string? rawIfMatch = null) =>
        Api.SendAsync(HttpMethod.Put, $"/api/v1/drives/{driveId}/files/{fileId}", bearer ?? OwnerToken, Domain,
            body ?? new { metadata = new { name = "file" } }, rawIfMatch ?? (versionTag is null ? null : $"\"{versionTag}\""));

    /// <summary>Creates <paramref name="count"/> new files in <paramref name="driveId"/>, one after another.</summary>
    public async Task CreateFilesAsync(Guid driveId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await CreateFileAsync(driveId, Guid.NewGuid());
        }
    }

    /// <summary>Creates a file as the owner and returns its version tag.</summary>
    public async Task<string> CreateFileAsync(Guid driveId, Guid fileId)
    {
        using var response = await PutFileAsync(driveId, fileId);
        await OdinApi.EnsureAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("versionTag").GetString()!;
    }
}

public static class PeerTransferCalls
{
    /// <summary>Sends a file to <paramref name="recipient"/>'s drive <paramref name="driveAlias"/>; returns the transfer id.</summary>
    public static async Task<Guid> SendFileAsync(this TenantHandle tenant, string recipient, string driveAlias, Guid driveId, Guid fileId)
    {
        using var response = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/transfers", new { recipient, driveAlias, driveId, fileId });
        await OdinApi.EnsureAsync(response, HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transferId").GetGuid();
    }

    /// <summary>The transfer's state as its sender sees it: pending, delivered or failed.</summary>
    public static async Task<JsonElement> TransferAsync(this TenantHandle tenant, Guid transferId)
    {
        using var response = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/owner/transfers/{transferId}");
        await OdinApi.EnsureAsync(response, HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Every change of a drive (live and deleted files), oldest first, read page by page.</summary>
    public static async Task<List<JsonElement>> ChangesAsync(this TenantHandle tenant, Guid driveId)
    {
        var changes = new List<JsonElement>();
        long cursor = 0;
        while (true)
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{driveId}/changes?cursor={cursor}&limit=1000");
            await OdinApi.EnsureAsync(response, HttpStatusCode.OK);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            changes.AddRange(page.GetProperty("changes").EnumerateArray());
            cursor = page.GetProperty("cursor").GetInt64();
            if (!page.GetProperty("hasMore").GetBoolean())
            {
                return changes;
            }
        }
    }
}

public sealed record DeviceHandle(TenantHandle Tenant, Guid DeviceId, string Secret, string AccessToken);
