using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Caching;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Cluster.Tests.RedisCluster;

/// <summary>
/// Everything Odin keeps on Redis, on a real Redis Cluster: notifications on sharded channels (each identity's on the
/// shard that owns its slot, heard only where its devices are), resume from the history, presence, revocation, the
/// cache's invalidations, the leader and the locks.
/// </summary>
[Collection(RedisClusterCollection.Name)]
public sealed class OnRedisClusterTests(RedisClusterFixture fixture)
{
    private InProcessCluster Cluster => fixture.Cluster;

    private OdinApi Api(int hosting) => new(Cluster.Hosting[hosting].CreateClient());

    [Fact]
    public async Task Each_identity_reaches_exactly_its_devices_and_only_the_gateways_holding_them_subscribe_to_it()
    {
        var shared = await Api(0).CreateTenantAsync(); // devices on gateways 0 and 1
        var single = await Api(1).CreateTenantAsync(); // a device on gateway 1 only
        var (sharedDrive, singleDrive) = (await shared.CreateDriveAsync("docs"), await single.CreateDriveAsync("docs"));
        await using var onG0 = await NotificationRecorder.ConnectAsync(Cluster.Gateways[0].HubUrl, (await shared.CreateDeviceAsync((sharedDrive, "read"))).AccessToken, messagePack: true);
        await using var onG1 = await NotificationRecorder.ConnectAsync(Cluster.Gateways[1].HubUrl, (await shared.CreateDeviceAsync((sharedDrive, "read"))).AccessToken, messagePack: false);
        await using var singleOnG1 = await NotificationRecorder.ConnectAsync(Cluster.Gateways[1].HubUrl, (await single.CreateDeviceAsync((singleDrive, "read"))).AccessToken, messagePack: true);
        await onG0.SubscribeAsync(sharedDrive);
        await onG1.SubscribeAsync(sharedDrive);
        await singleOnG1.SubscribeAsync(singleDrive);

        const int writes = 20;
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < writes; i++) { await (shared with { Api = Api(i % 2) }).CreateFileAsync(sharedDrive, Guid.NewGuid()); } }),
            Task.Run(async () => { for (var i = 0; i < writes; i++) { await (single with { Api = Api(i % 2) }).CreateFileAsync(singleDrive, Guid.NewGuid()); } }));

        var expected = Enumerable.Range(1, writes).Select(i => (long)i).ToList();
        foreach (var (recorder, tenant) in new[] { (onG0, shared), (onG1, shared), (singleOnG1, single) })
        {
            await Eventually.TrueAsync(() => recorder.Received.Count >= writes, $"{writes} notifications of {tenant.Domain}");
            Assert.Equal(expected, recorder.Received.Select(n => n.Seq));
            Assert.All(recorder.Received, n => Assert.Equal(tenant.TenantId, n.TenantId));
        }

        // Redis's own word: the identity's channel has as many subscribers as gateways holding its devices...
        var names = Cluster.RedisNames;
        Assert.Equal(2, await fixture.Redis.ShardSubscribersAsync(names.IdentityChannel(shared.TenantId)));
        Assert.Equal(1, await fixture.Redis.ShardSubscribersAsync(names.IdentityChannel(single.TenantId)));
        // ...and gateway 2, which holds no device, is subscribed to no sharded channel on any master: it hears none.
        foreach (var master in await fixture.Redis.MastersAsync())
        {
            var clients = (string)(await master.ExecuteAsync("CLIENT", "LIST"))!;
            var gateway2 = clients.Split('\n').Where(line => line.Contains(" name=gateway2 ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(gateway2); // it is connected to every master
            Assert.All(gateway2, line => Assert.Contains(" ssub=0 ", line, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_device_resumes_on_another_gateway_from_the_history_on_its_identitys_shard()
    {
        var tenant = await Api(0).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        var first = await NotificationRecorder.ConnectAsync(Cluster.Gateways[0].HubUrl, device.AccessToken, messagePack: true);
        await first.SubscribeAsync(drive);
        for (var i = 0; i < 5; i++)
        {
            await tenant.CreateFileAsync(drive, Guid.NewGuid());
        }

        await first.WaitForAsync(n => n.Seq == 5, "seq 5 on gateway 0");
        var (cursor, epoch) = (first.Cursor, first.Epoch);
        await first.DisposeAsync();
        for (var i = 0; i < 5; i++)
        {
            await (tenant with { Api = Api(1) }).CreateFileAsync(drive, Guid.NewGuid()); // while the device is away
        }

        await using var second = await NotificationRecorder.ConnectAsync(Cluster.Gateways[1].HubUrl, device.AccessToken, messagePack: false);
        var resumed = await second.ResumeAsync(cursor, epoch, drive);
        Assert.True(resumed.Recovered);
        await second.WaitForAsync(n => n.Seq == 10, "seq 10 by the replay on gateway 1");
        Assert.Equal([6L, 7L, 8L, 9L, 10L], second.Received.Select(n => n.Seq));
    }

    [Fact]
    public async Task A_device_connecting_on_one_gateway_is_announced_to_its_identitys_device_on_another_and_listed_online()
    {
        var tenant = await Api(0).CreateTenantAsync();
        var (a, b) = (await tenant.CreateDeviceAsync(), await tenant.CreateDeviceAsync());
        await using var onA = await NotificationRecorder.ConnectAsync(Cluster.Gateways[0].HubUrl, a.AccessToken, messagePack: true);
        await Eventually.TrueAsync(async () => (await OnlineAsync(tenant)).Count == 1, "A to be online");
        await using var onB = await NotificationRecorder.ConnectAsync(Cluster.Gateways[1].HubUrl, b.AccessToken, messagePack: false);

        await Eventually.TrueAsync(() => onA.Presence.Any(p => p.Type == NotificationTypes.DeviceConnected && p.Data!.Contains(b.DeviceId.ToString(), StringComparison.Ordinal)),
            "A, on gateway 0, to hear that B connected on gateway 1");
        Assert.Equal(new[] { a.DeviceId, b.DeviceId }.Order(), (await OnlineAsync(tenant)).Order());
    }

    [Fact]
    public async Task A_device_revoked_through_one_instance_is_closed_on_its_gateway_and_refused_by_the_other_instance()
    {
        var tenant = await Api(0).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        await using var recorder = await NotificationRecorder.ConnectAsync(Cluster.Gateways[1].HubUrl, device.AccessToken, messagePack: true);
        await recorder.SubscribeAsync(drive);
        using (var read = await Api(1).SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", device.AccessToken, tenant.Domain))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode); // now cached as active on instance 1
        }

        using (var revoke = await tenant.OwnerAsync(HttpMethod.Delete, $"/api/v1/owner/devices/{device.DeviceId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        await Eventually.TrueAsync(() => recorder.Connection.State == HubConnectionState.Disconnected, "the gateway to close the revoked device");
        await Eventually.TrueAsync(async () =>
        {
            using var read = await Api(1).SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", device.AccessToken, tenant.Domain);
            return read.StatusCode == HttpStatusCode.Unauthorized;
        }, "instance 1 to drop its cached device (the cache's backplane) and refuse it");
    }

    [Fact]
    public async Task One_instance_leads_and_new_identities_keys_are_created_once_under_the_lock()
    {
        await Eventually.TrueAsync(async () =>
        {
            var leaders = 0;
            foreach (var host in Cluster.Hosting)
            {
                using var http = host.CreateClient();
                leaders += JsonDocument.Parse(await http.GetStringAsync("/health/leader")).RootElement.GetProperty("leader").GetBoolean() ? 1 : 0;
            }

            return leaders == 1;
        }, "exactly one instance to lead");

        var tenants = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Api(0).CreateTenantAsync()));
        var answers = await Task.WhenAll(tenants.SelectMany(t => Cluster.Hosting.Select(async host =>
        {
            using var http = host.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/odin/identity-key") { Headers = { Host = t.Domain } };
            using var response = await http.SendAsync(request);
            await OdinApi.EnsureAsync(response, HttpStatusCode.OK);
            return (t.Domain, Key: JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("x").GetString());
        })));
        Assert.All(answers.GroupBy(a => a.Domain), perTenant => Assert.Single(perTenant.Select(a => a.Key).Distinct()));
    }

    [Fact]
    public async Task The_cache_and_the_ACME_answers_set_through_one_instance_are_seen_by_the_other()
    {
        Level1Cache Cache(int i) => Cluster.Hosting[i].Services.GetRequiredService<Level1Cache>();
        var tenant = Guid.NewGuid();
        var key = Level1Cache.TenantKey("test", tenant, "k");
        await Cache(0).SetAsync(key, "v1", tenant);
        // The factory would say "miss": seeing v1 means it came from the Redis Cluster, not from this instance.
        await Eventually.TrueAsync(async () => await Cache(1).GetOrSetAsync(key, _ => Task.FromResult("miss")) == "v1", "instance 1 to see v1");
        await Cache(0).SetAsync(key, "v2", tenant);
        await Eventually.TrueAsync(async () => await Cache(1).GetOrSetAsync(key, _ => Task.FromResult("miss")) == "v2", "instance 1 to be told of v2 (the backplane)");

        var token = $"t{Guid.NewGuid():N}";
        await Cluster.Hosting[0].Services.GetRequiredService<Odin.Hosting.Acme.Http01Challenges>().SetAsync(token, "key-authorization", CancellationToken.None);
        using var http = Cluster.Hosting[1].CreateClient();
        Assert.Equal("key-authorization", await http.GetStringAsync($"/.well-known/acme-challenge/{token}"));
    }

    private static async Task<List<Guid>> OnlineAsync(TenantHandle tenant)
    {
        using var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/devices/online");
        response.EnsureSuccessStatusCode();
        var online = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return [.. online.EnumerateArray().Select(d => d.GetProperty("deviceId").GetGuid())];
    }
}
