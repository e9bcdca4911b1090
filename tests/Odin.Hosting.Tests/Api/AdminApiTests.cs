using System.Net;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

[Collection(SingleNodeCollection.Name)]
public sealed class AdminApiTests(SingleNodeHost node)
{
    private OdinApi Api => node.Api;

    [Fact]
    public async Task Creating_a_tenant_returns_its_id_domain_and_owner_token()
    {
        var domain = $"Frodo-{Guid.NewGuid():N}.Example";
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, new { domain });
        var body = await JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(domain.ToLowerInvariant(), body.GetProperty("domain").GetString());
        Assert.NotEqual(Guid.Empty, body.GetProperty("tenantId").GetGuid());
        Assert.StartsWith("odin_owner_", body.GetProperty("ownerToken").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("-bad.example")]
    [InlineData("bad-.example")]
    [InlineData("a..example")]
    [InlineData("under_score.example")]
    [InlineData("10.0.0.1")]
    [InlineData("space here.example")]
    public async Task Invalid_domains_get_400_with_a_reason_and_are_not_created(string domain)
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, new { domain });
        Assert.NotEmpty(await ProblemAsync(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Labels_over_63_characters_are_refused()
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, new { domain = new string('a', 64) + ".example" });
        Assert.Contains("63", await ProblemAsync(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_taken_domain_gets_409_whatever_its_case()
    {
        var tenant = await Api.CreateTenantAsync();
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, new { domain = tenant.Domain.ToUpperInvariant() });
        await ProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Admin_endpoints_refuse_a_missing_or_wrong_key_and_write_nothing(string? key)
    {
        var domain = $"k{Guid.NewGuid():N}.example";
        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", key, null, new { domain }))
        {
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        var tenant = await Api.CreateTenantAsync();
        using (var response = await Api.SendAsync(HttpMethod.Post, $"/api/v1/admin/tenants/{tenant.Domain}/disable", key, null))
        {
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        // An owner token is not an admin key either.
        using (var response = await Api.SendAsync(HttpMethod.Delete, $"/api/v1/admin/tenants/{tenant.Domain}", tenant.OwnerToken, null))
        {
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/keys/re-encrypt", key ?? tenant.OwnerToken, null))
        {
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        // Nothing was written: the domain is still free, the tenant still enabled.
        await Api.CreateTenantAsync(domain);
        using var drives = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives");
        Assert.Equal(HttpStatusCode.OK, drives.StatusCode);
    }

    [Fact]
    public async Task Malformed_and_oversized_bodies_get_400_and_413()
    {
        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, RawJson("{\"domain\":")))
        {
            Assert.Contains("JSON", await ProblemAsync(response, HttpStatusCode.BadRequest));
        }

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, RawJson("[1,2]")))
        {
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        var huge = "{\"domain\":\"" + new string('a', 3 * 1024 * 1024) + ".example\"}";
        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, RawJson(huge)))
        {
            await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        }
    }

    [Fact]
    public async Task Disable_enable_and_delete_change_what_the_host_answers()
    {
        var tenant = await Api.CreateTenantAsync();
        async Task<HttpStatusCode> DrivesStatus()
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives");
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await DrivesStatus());
        using (var r = await Api.SendAsync(HttpMethod.Post, $"/api/v1/admin/tenants/{tenant.Domain}/disable", OdinHost.AdminKey, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives"))
        {
            await ProblemAsync(response, HttpStatusCode.Forbidden);
        }

        using (var r = await Api.SendAsync(HttpMethod.Post, $"/api/v1/admin/tenants/{tenant.Domain}/enable", OdinHost.AdminKey, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await DrivesStatus());
        using (var r = await Api.SendAsync(HttpMethod.Delete, $"/api/v1/admin/tenants/{tenant.Domain}", OdinHost.AdminKey, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives"))
        {
            await ProblemAsync(response, HttpStatusCode.NotFound);
        }
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("enable")]
    public async Task Unknown_or_invalid_domains_get_404_or_400(string action)
    {
        using (var response = await Api.SendAsync(HttpMethod.Post, $"/api/v1/admin/tenants/nobody-{Guid.NewGuid():N}.example/{action}", OdinHost.AdminKey, null))
        {
            await ProblemAsync(response, HttpStatusCode.NotFound);
        }

        using (var response = await Api.SendAsync(HttpMethod.Post, $"/api/v1/admin/tenants/not_a_domain/{action}", OdinHost.AdminKey, null))
        {
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        using var delete = await Api.SendAsync(HttpMethod.Delete, $"/api/v1/admin/tenants/nobody-{Guid.NewGuid():N}.example", OdinHost.AdminKey, null);
        await ProblemAsync(delete, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_host_header_finds_the_tenant_ignoring_case_port_and_subdomains()
    {
        var tenant = await Api.CreateTenantAsync();
        foreach (var host in new[] { tenant.Domain.ToUpperInvariant() + ":8443", "app." + tenant.Domain, tenant.Domain + "." })
        {
            using var response = await Api.SendAsync(HttpMethod.Get, "/api/v1/owner/drives", tenant.OwnerToken, host);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var unknown = await Api.SendAsync(HttpMethod.Get, "/api/v1/owner/drives", tenant.OwnerToken, "nobody.example");
        Assert.Contains("nobody.example", await ProblemAsync(unknown, HttpStatusCode.NotFound));
        // An address is not a name: refused before any lookup.
        using var ip = await Api.SendAsync(HttpMethod.Get, "/api/v1/owner/drives", tenant.OwnerToken, "127.0.0.1");
        await ProblemAsync(ip, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OpenApi_and_jwks_are_served()
    {
        using var openApi = await Api.Http.GetAsync("/openapi/v1.json");
        var document = await JsonAsync(openApi, HttpStatusCode.OK);
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/drives/{driveId}/files/{fileId}", out _));

        using var jwks = await Api.Http.GetAsync("/.well-known/odin/jwks.json");
        var key = (await JsonAsync(jwks, HttpStatusCode.OK)).GetProperty("keys")[0];
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
    }
}
