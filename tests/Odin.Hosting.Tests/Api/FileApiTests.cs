using System.Net;
using System.Text.Json;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

[Collection(SingleNodeCollection.Name)]
public sealed class FileApiTests(SingleNodeHost node)
{
    private OdinApi Api => node.Api;

    private static string Path(Guid drive, Guid file) => $"/api/v1/drives/{drive}/files/{file}";

    [Fact]
    public async Task A_file_is_created_read_replaced_and_deleted_with_version_tags()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();

        string tag;
        using (var created = await tenant.PutFileAsync(drive, file, new { metadata = new { title = "one" }, content = "aGVsbG8=" }))
        {
            var body = await JsonAsync(created, HttpStatusCode.Created);
            tag = body.GetProperty("versionTag").GetString()!;
            Assert.Equal($"\"{tag}\"", created.Headers.ETag!.ToString());
        }

        using (var read = await tenant.OwnerAsync(HttpMethod.Get, Path(drive, file)))
        {
            var body = await JsonAsync(read, HttpStatusCode.OK);
            Assert.Equal("one", body.GetProperty("metadata").GetProperty("title").GetString());
            Assert.Equal("aGVsbG8=", body.GetProperty("content").GetString());
            Assert.Equal(tag, body.GetProperty("versionTag").GetString());
        }

        using (var again = await tenant.PutFileAsync(drive, file))
        {
            Assert.Contains("If-Match", await ProblemAsync(again, HttpStatusCode.PreconditionFailed));
        }

        string newTag;
        using (var replaced = await tenant.PutFileAsync(drive, file, new { metadata = new { title = "two" } }, tag))
        {
            newTag = (await JsonAsync(replaced, HttpStatusCode.OK)).GetProperty("versionTag").GetString()!;
        }

        using (var stale = await tenant.PutFileAsync(drive, file, null, tag))
        {
            await ProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        }

        using (var noTag = await tenant.OwnerAsync(HttpMethod.Delete, Path(drive, file)))
        {
            await ProblemAsync(noTag, HttpStatusCode.PreconditionRequired);
        }

        using (var staleDelete = await tenant.OwnerAsync(HttpMethod.Delete, Path(drive, file), ifMatch: $"\"{tag}\""))
        {
            await ProblemAsync(staleDelete, HttpStatusCode.PreconditionFailed);
        }

        using (var deleted = await tenant.OwnerAsync(HttpMethod.Delete, Path(drive, file), ifMatch: $"\"{newTag}\""))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var gone = await tenant.OwnerAsync(HttpMethod.Get, Path(drive, file)))
        {
            await ProblemAsync(gone, HttpStatusCode.NotFound);
        }

        using var changes = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes?cursor=0");
        var feed = await JsonAsync(changes, HttpStatusCode.OK);
        var change = Assert.Single(feed.GetProperty("changes").EnumerateArray());
        Assert.True(change.GetProperty("deleted").GetBoolean());
        Assert.Equal(3, feed.GetProperty("cursor").GetInt64());
    }

    [Fact]
    public async Task Malformed_bodies_and_headers_get_400_and_write_nothing()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();

        foreach (var raw in new[] { "{\"metadata\":", "{\"content\":\"not base64!\"}", "{\"metadata\":[1,2]}", "{\"metadata\":\"text\"}", "null" })
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Put, Path(drive, file), RawJson(raw));
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Put, Path(drive, file), new { metadata = new { } }, "\"not hex\""))
        {
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/files/not-a-guid"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        foreach (var query in new[] { "cursor=-1", "limit=0", "limit=5000", "cursor=abc" })
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes?{query}");
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        await AssertNoChangesAsync(tenant, drive);
    }

    [Fact]
    public async Task Oversized_content_gets_413_whether_caught_by_the_server_limit_or_the_content_limit()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");

        // Just over the 1 MiB content limit: the body fits the server's limit, the decoded content does not.
        using (var response = await tenant.PutFileAsync(drive, Guid.NewGuid(), new { content = new byte[(1024 * 1024) + 1] }))
        {
            await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        }

        // Far over: Kestrel refuses the body itself.
        using (var response = await tenant.PutFileAsync(drive, Guid.NewGuid(), new { content = new byte[3 * 1024 * 1024] }))
        {
            await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        }

        using (var response = await tenant.PutFileAsync(drive, Guid.NewGuid(), new { metadata = new { big = new string('x', 70 * 1024) } }))
        {
            await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        }

        await AssertNoChangesAsync(tenant, drive);
    }

    [Fact]
    public async Task Devices_write_only_where_granted_and_only_on_their_own_identity()
    {
        var tenant = await Api.CreateTenantAsync();
        var other = await Api.CreateTenantAsync();
        var readOnly = await tenant.CreateDriveAsync("shared");
        var writable = await tenant.CreateDriveAsync("mine");
        var hidden = await tenant.CreateDriveAsync("hidden");
        var device = await tenant.CreateDeviceAsync((readOnly, "read"), (writable, "write"));

        using (var response = await tenant.PutFileAsync(writable, Guid.NewGuid(), bearer: device.AccessToken))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        using (var response = await tenant.PutFileAsync(readOnly, Guid.NewGuid(), bearer: device.AccessToken))
        {
            Assert.Contains("may not write", await ProblemAsync(response, HttpStatusCode.Forbidden));
        }

        using (var response = await Api.SendAsync(HttpMethod.Get, $"/api/v1/drives/{hidden}/changes", device.AccessToken, tenant.Domain))
        {
            await ProblemAsync(response, HttpStatusCode.Forbidden);
        }

        using (var response = await Api.SendAsync(HttpMethod.Get, $"/api/v1/drives/{readOnly}/changes", device.AccessToken, tenant.Domain))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The device's token on another identity's host, even for a drive id of that identity.
        var foreignDrive = await other.CreateDriveAsync("mine");
        using (var response = await Api.SendAsync(HttpMethod.Put, Path(foreignDrive, Guid.NewGuid()), device.AccessToken, other.Domain, new { metadata = new { } }))
        {
            Assert.Contains("another identity", await ProblemAsync(response, HttpStatusCode.Forbidden));
        }

        // The owner of one tenant cannot reach another tenant's drive through its own host.
        using (var response = await tenant.PutFileAsync(foreignDrive, Guid.NewGuid()))
        {
            await ProblemAsync(response, HttpStatusCode.NotFound);
        }

        await AssertNoChangesAsync(tenant, readOnly);
        await AssertNoChangesAsync(other, foreignDrive);
    }

    [Fact]
    public async Task Missing_expired_forged_and_tampered_device_tokens_get_401()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "write"));

        foreach (var token in new[] { null, await DeviceTokens.ExpiredAsync(node.Host, device), await DeviceTokens.ForgedAsync(device, drive), TamperedToken.Of(device.AccessToken), "a.b.c" })
        {
            using var response = await tenant.PutFileAsync(drive, Guid.NewGuid(), bearer: token ?? "");
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        await AssertNoChangesAsync(tenant, drive);
    }

    [Fact]
    public async Task Changes_page_through_a_drive_by_cursor()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        for (var i = 0; i < 5; i++)
        {
            await tenant.CreateFileAsync(drive, Guid.NewGuid());
        }

        var seen = new List<long>();
        long cursor = 0;
        bool more;
        do
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes?cursor={cursor}&limit=2");
            var page = await JsonAsync(response, HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("seq").GetInt64()));
            cursor = page.GetProperty("cursor").GetInt64();
            more = page.GetProperty("hasMore").GetBoolean();
        }
        while (more);

        Assert.Equal([1L, 2L, 3L, 4L, 5L], seen);
    }

    private static async Task AssertNoChangesAsync(TenantHandle tenant, Guid drive)
    {
        using var response = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes");
        var feed = await JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Array, feed.GetProperty("changes").ValueKind);
        Assert.Equal(0, feed.GetProperty("changes").GetArrayLength());
    }
}
