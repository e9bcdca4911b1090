using System.Net;
using System.Net.Http.Headers;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

/// <summary>The errors ASP.NET Core writes itself, and the ones a new user met with no detail or a type name, answer as docs/api.md says.</summary>
[Collection(SingleNodeCollection.Name)]
public sealed class ErrorShapeTests(SingleNodeHost node)
{
    private OdinApi Api => node.Api;

    [Fact]
    public async Task Unknown_routes_wrong_methods_and_media_types_are_problems_with_a_type_and_a_detail()
    {
        var tenant = await Api.CreateTenantAsync();
        using (var unknown = await Api.Http.GetAsync("/api/v1/no-such-thing"))
        {
            Assert.Contains("/openapi/v1.json", await ProblemAsync(unknown, HttpStatusCode.NotFound));
        }

        using (var method = await tenant.OwnerAsync(HttpMethod.Delete, "/api/v1/owner/drives"))
        {
            await ProblemAsync(method, HttpStatusCode.MethodNotAllowed);
        }

        using (var media = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/drives", new StringContent("alias=x", System.Text.Encoding.UTF8, "text/plain")))
        {
            Assert.Contains("application/json", await ProblemAsync(media, HttpStatusCode.UnsupportedMediaType));
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_and_a_missing_if_match_are_problems_with_a_type_and_a_detail()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();
        var huge = new ByteArrayContent(new byte[3 * 1024 * 1024]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        using (var tooLarge = await tenant.PutFileAsync(drive, file, huge))
        {
            Assert.Contains("bytes", await ProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge));
        }

        await tenant.CreateFileAsync(drive, file);
        using var delete = await tenant.OwnerAsync(HttpMethod.Delete, $"/api/v1/drives/{drive}/files/{file}");
        Assert.Contains("If-Match", await ProblemAsync(delete, HttpStatusCode.PreconditionRequired));
    }

    [Theory]
    [InlineData("{\"content\":\"!!not base64!!\"}", "content is base64")]
    [InlineData("{\"metadata\":5}", "metadata must be a JSON object")]
    [InlineData("{\"metadata\":", "malformed or has a value of the wrong type or format at $.metadata")]
    [InlineData("not json", "not valid JSON")]
    public async Task A_body_of_the_wrong_shape_says_where_and_what_the_field_takes_without_type_names(string body, string expected)
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        using var response = await tenant.PutFileAsync(drive, Guid.NewGuid(), RawJson(body));
        Assert.Contains(expected, await ProblemAsync(response, HttpStatusCode.BadRequest));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("W/\"abc\"")]
    [InlineData("\"a\", \"b\"")]
    [InlineData("*")]
    public async Task If_match_that_is_not_one_quoted_tag_is_400_even_when_it_names_the_current_tag(string ifMatch)
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();
        var tag = await tenant.CreateFileAsync(drive, file);
        using (var bare = await tenant.PutFileAsync(drive, file, new { metadata = new { n = 2 } }, bearer: null, rawIfMatch: ifMatch))
        {
            Assert.Contains("quoted", await ProblemAsync(bare, HttpStatusCode.BadRequest));
        }

        // The current tag unquoted is refused too; quoted, it is taken.
        using (var unquoted = await tenant.PutFileAsync(drive, file, new { metadata = new { n = 2 } }, rawIfMatch: tag))
        {
            await ProblemAsync(unquoted, HttpStatusCode.BadRequest);
        }

        using var quoted = await tenant.PutFileAsync(drive, file, new { metadata = new { n = 2 } }, versionTag: tag);
        Assert.Equal(HttpStatusCode.OK, quoted.StatusCode);
    }
}
