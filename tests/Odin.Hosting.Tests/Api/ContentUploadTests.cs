using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Temp;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

/// <summary>Raw content uploads: staged on disk in the instance's own folder while they arrive, removed afterwards.</summary>
[Collection(SingleNodeCollection.Name)]
public sealed class ContentUploadTests(SingleNodeHost node)
{
    private OdinApi Api => node.Api;

    private static string ContentPath(Guid drive, Guid file) => $"/api/v1/drives/{drive}/files/{file}/content";

    [Fact]
    public async Task Raw_content_replaces_a_files_content_under_its_version_tag_and_reads_back_byte_for_byte()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();
        var tag = await tenant.CreateFileAsync(drive, file);
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();

        using (var put = await UploadAsync(tenant, drive, file, new ByteArrayContent(bytes), tag))
        {
            var body = await JsonAsync(put, HttpStatusCode.OK);
            Assert.NotEqual(tag, body.GetProperty("versionTag").GetString());
        }

        using (var get = await tenant.OwnerAsync(HttpMethod.Get, ContentPath(drive, file)))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
        }

        using (var stale = await UploadAsync(tenant, drive, file, new ByteArrayContent([1]), tag))
        {
            await ProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        }

        using (var untagged = await UploadAsync(tenant, drive, file, new ByteArrayContent([1]), null))
        {
            await ProblemAsync(untagged, HttpStatusCode.PreconditionRequired);
        }

        AssertNothingStaged();
    }

    [Fact]
    public async Task Oversized_content_is_refused_with_413_whether_or_not_it_announces_its_length_and_nothing_is_written()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();
        var tag = await tenant.CreateFileAsync(drive, file);
        var tooBig = new byte[(1024 * 1024) + 1];

        using (var announced = await UploadAsync(tenant, drive, file, new ByteArrayContent(tooBig), tag))
        {
            Assert.Contains("at most", await ProblemAsync(announced, HttpStatusCode.RequestEntityTooLarge));
        }

        using (var chunked = await UploadAsync(tenant, drive, file, new StreamContent(new MemoryStream(tooBig)), tag, chunked: true))
        {
            Assert.Contains("at most", await ProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge));
        }

        using (var read = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/files/{file}"))
        {
            Assert.Equal($"\"{tag}\"", read.Headers.ETag!.ToString()); // unchanged
        }

        AssertNothingStaged();
    }

    [Fact]
    public async Task Uploads_need_a_caller_who_may_write_the_drive_of_this_identity()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();
        var tag = await tenant.CreateFileAsync(drive, file);
        var reader = await tenant.CreateDeviceAsync((drive, "read"));
        var other = await Api.CreateTenantAsync();

        using (var readOnly = await UploadAsync(tenant, drive, file, new ByteArrayContent([1]), tag, bearer: reader.AccessToken))
        {
            await ProblemAsync(readOnly, HttpStatusCode.Forbidden);
        }

        using (var crossTenant = await UploadAsync(tenant, drive, file, new ByteArrayContent([1]), tag, bearer: other.OwnerToken))
        {
            await ProblemAsync(crossTenant, HttpStatusCode.Unauthorized);
        }

        using (var anonymous = await UploadAsync(tenant, drive, file, new ByteArrayContent([1]), tag, bearer: ""))
        {
            await ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        }

        using var otherDrive = await UploadAsync(other, Guid.NewGuid(), file, new ByteArrayContent([1]), tag);
        await ProblemAsync(otherDrive, HttpStatusCode.NotFound);
    }

    private async Task<HttpResponseMessage> UploadAsync(
        TenantHandle tenant, Guid drive, Guid file, HttpContent content, string? tag, string? bearer = null, bool chunked = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, ContentPath(drive, file)) { Content = content };
        request.Headers.Host = tenant.Domain;
        bearer ??= tenant.OwnerToken;
        if (bearer.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (tag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{tag}\"");
        }

        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.TransferEncodingChunked = chunked;
        request.Headers.ExpectContinue = true;
        return await Api.Http.SendAsync(request);
    }

    private void AssertNothingStaged()
    {
        var folder = node.Host.Services.GetRequiredService<TempFolder>().InstanceFolder;
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder) : []);
    }
}
