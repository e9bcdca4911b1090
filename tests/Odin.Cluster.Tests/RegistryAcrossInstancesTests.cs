using System.Diagnostics;
using System.Net;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>Every Hosting instance agrees on the tenants: what A creates, disables or deletes, B and C serve so within 1 s.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class RegistryAcrossInstancesTests(SharedCluster shared)
{
    private OdinApi Api(int hosting) => new(shared.Cluster.Hosting[hosting].CreateClient());

    [Fact]
    public async Task A_tenant_created_disabled_enabled_and_deleted_on_A_is_served_accordingly_by_B_and_C_within_one_second()
    {
        var onA = await Api(0).CreateTenantAsync();
        var others = new[] { onA with { Api = Api(1) }, onA with { Api = Api(2) } };

        foreach (var other in others)
        {
            Assert.Equal(HttpStatusCode.OK, await DrivesStatusAsync(other)); // at once: a host it does not know is looked up
        }

        foreach (var (action, expected) in new[] { ("disable", HttpStatusCode.Forbidden), ("enable", HttpStatusCode.OK) })
        {
            using (var response = await onA.Api.SendAsync(HttpMethod.Post, $"/api/v1/admin/tenants/{onA.Domain}/{action}", OdinHost.AdminKey, null))
            {
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            }

            await WithinOneSecondAsync(async () => (await Task.WhenAll(others.Select(DrivesStatusAsync))).All(s => s == expected), $"B and C to answer {expected} after {action}");
        }

        using (var response = await onA.Api.SendAsync(HttpMethod.Delete, $"/api/v1/admin/tenants/{onA.Domain}", OdinHost.AdminKey, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await WithinOneSecondAsync(async () => (await Task.WhenAll(others.Select(DrivesStatusAsync))).All(s => s == HttpStatusCode.NotFound), "B and C to forget the deleted tenant");
    }

    private static async Task<HttpStatusCode> DrivesStatusAsync(TenantHandle tenant)
    {
        using var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives");
        return response.StatusCode;
    }

    private static async Task WithinOneSecondAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(condition, what, TimeSpan.FromSeconds(1));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }
}
