using System.Net;
using System.Text.Json;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

[Collection(SingleNodeCollection.Name)]
public sealed class SecurityApiTests(SingleNodeHost node)
{
    [Fact]
    public async Task A_new_identity_is_checked_soon_after_it_is_created_and_only_its_owner_reads_the_report()
    {
        var tenant = await node.Api.CreateTenantAsync();
        JsonElement report = default;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/security/health");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Contains("not been checked yet", await ProblemAsync(response, HttpStatusCode.NotFound));
                return false;
            }

            report = await JsonAsync(response, HttpStatusCode.OK);
            return true;
        }, "the first health check");
        Assert.Equal(0, report.GetProperty("findings").GetArrayLength());

        var other = await node.Api.CreateTenantAsync();
        using var crossTenant = await node.Api.SendAsync(HttpMethod.Get, "/api/v1/owner/security/health", other.OwnerToken, tenant.Domain);
        await ProblemAsync(crossTenant, HttpStatusCode.Unauthorized);
        using var anonymous = await node.Api.SendAsync(HttpMethod.Get, "/api/v1/owner/security/health", null, tenant.Domain);
        await ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }
}
