using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.LastSeen;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>Sightings on any instance reach the shared database, and the stored time only moves forward.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class LastSeenAcrossInstancesTests(SharedCluster shared)
{
    [Fact]
    public async Task Owner_and_device_calls_on_both_instances_reach_the_shared_last_seen_times()
    {
        var hosting = shared.Cluster.Hosting;
        var tenant = await new OdinApi(hosting[0].CreateClient()).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        var store = hosting[0].Services.GetRequiredService<LastSeenStore>();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        foreach (var host in hosting)
        {
            var api = new OdinApi(host.CreateClient());
            using var asDevice = await api.SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", device.AccessToken, tenant.Domain);
            asDevice.EnsureSuccessStatusCode();
            using var asOwner = await api.SendAsync(HttpMethod.Get, "/api/v1/owner/drives", tenant.OwnerToken, tenant.Domain);
            asOwner.EnsureSuccessStatusCode();
        }

        await Eventually.TrueAsync(async () => await store.GetAsync(tenant.TenantId, device.DeviceId.ToString()) >= before, "the device's sighting to be flushed");
        await Eventually.TrueAsync(async () => await store.GetAsync(tenant.TenantId, LastSeenStore.Owner) >= before, "the owner's sighting to be flushed");
    }
}
