using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Caching;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>Level1Cache on 3 Hosting instances with one real Redis and PostgreSQL: what one changes, the others see.</summary>
public sealed class CacheAcrossInstancesTests : IAsyncLifetime
{
    private ClusterOnOwnServers _servers = null!;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 3, gatewayCount: 1,
        new Dictionary<string, string?> { ["Odin:Cache:Duration"] = CacheDuration.ToString() });

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    /// <summary>Short, so the test of a missed invalidation can wait it out.</summary>
    private static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(3);

    private Level1Cache Cache(int instance) => _servers.Cluster.Hosting[instance].Services.GetRequiredService<Level1Cache>();

    [Fact]
    public async Task A_value_set_or_removed_on_one_instance_is_seen_on_the_others_and_tags_remove_everywhere()
    {
        var tenant = Guid.NewGuid();
        var key = Level1Cache.TenantKey("test", tenant, "k");
        var other = Level1Cache.TenantKey("test", tenant, "other");
        await Cache(0).SetAsync(key, "v1", tenant);
        foreach (var i in new[] { 1, 2 })
        {
            // The factory would say "miss": seeing v1 means it came from Redis, not from this instance's database.
            await Eventually.TrueAsync(async () => await Cache(i).GetOrSetAsync(key, _ => Task.FromResult("miss")) == "v1", $"instance {i} to see v1");
        }

        await Cache(0).SetAsync(key, "v2", tenant);
        await Cache(2).SetAsync(other, "o", tenant);
        foreach (var i in new[] { 1, 2 })
        {
            await Eventually.TrueAsync(async () => await Cache(i).GetOrSetAsync(key, _ => Task.FromResult("miss")) == "v2", $"instance {i} to see v2");
        }

        await Cache(1).RemoveAsync(key);
        foreach (var i in new[] { 0, 2 })
        {
            await Eventually.TrueAsync(async () => await Cache(i).GetOrSetAsync(key, _ => Task.FromResult("reloaded")) == "reloaded", $"instance {i} to drop the removed entry");
        }

        await Cache(0).RemoveTenantAsync(tenant);
        foreach (var i in new[] { 0, 1, 2 })
        {
            await Eventually.TrueAsync(async () => await Cache(i).GetOrSetAsync(other, _ => Task.FromResult("gone")) == "gone", $"instance {i} to drop the tagged entry");
        }
    }

    [Fact]
    public async Task A_device_revoked_on_one_instance_is_refused_by_the_others_that_had_it_cached()
    {
        var api = Enumerable.Range(0, 3).Select(i => new OdinApi(_servers.Cluster.Hosting[i].CreateClient())).ToList();
        var tenant = await api[0].CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        async Task<HttpStatusCode> ReadOn(int instance)
        {
            using var response = await api[instance].SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", device.AccessToken, tenant.Domain);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await ReadOn(1)); // now cached as active on 1 and 2
        Assert.Equal(HttpStatusCode.OK, await ReadOn(2));

        using (var revoke = await tenant.OwnerAsync(HttpMethod.Delete, $"/api/v1/owner/devices/{device.DeviceId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        foreach (var i in new[] { 1, 2 })
        {
            await Eventually.TrueAsync(async () => await ReadOn(i) == HttpStatusCode.Unauthorized, $"instance {i} to refuse the revoked device", TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task With_Redis_down_requests_are_served_and_writes_land_and_afterwards_every_instance_converges()
    {
        var api = Enumerable.Range(0, 3).Select(i => new OdinApi(_servers.Cluster.Hosting[i].CreateClient())).ToList();
        var tenant = await api[0].CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "write"));

        _servers.Redis.Kill();
        for (var i = 0; i < 3; i++)
        {
            var onI = tenant with { Api = api[i] };
            using (var read = await api[i].SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", device.AccessToken, tenant.Domain))
            {
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            }

            using var write = await onI.PutFileAsync(drive, Guid.NewGuid(), bearer: device.AccessToken);
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        }

        using (var changes = await tenant.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes"))
        {
            Assert.Equal(3, (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(changes.Content))
                .GetProperty("changes").GetArrayLength());
        }

        await _servers.Redis.StartAsync();
        var key = Level1Cache.TenantKey("test", tenant.TenantId, "after-outage");
        await Eventually.TrueAsync(async () =>
        {
            await Cache(0).SetAsync(key, "fresh", tenant.TenantId);
            return await Cache(1).GetOrSetAsync(key, _ => Task.FromResult("miss")) == "fresh"
                && await Cache(2).GetOrSetAsync(key, _ => Task.FromResult("miss")) == "fresh";
        }, "every instance to share cache entries again after Redis returned", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_invalidation_missed_while_Redis_was_down_outlives_no_entry_beyond_its_duration()
    {
        var api = Enumerable.Range(0, 3).Select(i => new OdinApi(_servers.Cluster.Hosting[i].CreateClient())).ToList();
        var tenant = await api[0].CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        async Task<HttpStatusCode> ReadOnB()
        {
            using var response = await api[1].SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", device.AccessToken, tenant.Domain);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await ReadOnB()); // B caches "active"
        _servers.Redis.Kill();
        using (var revoke = await tenant.OwnerAsync(HttpMethod.Delete, $"/api/v1/owner/devices/{device.DeviceId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode); // on A, with Redis down: the backplane cannot tell B
        }

        var revokedAt = DateTime.UtcNow;
        await _servers.Redis.StartAsync();
        await Eventually.TrueAsync(async () => await ReadOnB() == HttpStatusCode.Unauthorized, "B to refuse the device once its entry expired", CacheDuration * 3);
        Assert.InRange(DateTime.UtcNow - revokedAt, TimeSpan.Zero, CacheDuration + TimeSpan.FromSeconds(2));
    }
}
