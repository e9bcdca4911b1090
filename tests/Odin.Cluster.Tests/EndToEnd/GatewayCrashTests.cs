using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Odin.ClusterPrimitives.Presence;
using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.EndToEnd;

public sealed class GatewayCrashTests(ProcessClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task Devices_of_a_killed_gateway_reconnect_through_haproxy_resume_receive_later_writes_and_its_presence_entries_expire()
    {
        await using var devices = await Devices.ConnectAsync(fixture.Cluster, tenants: 2, devicesPerTenant: 20);
        var onVictim = await ThroughHaproxyTests.ConnectionsAsync(fixture.Cluster.Gateways[0]);
        Assert.InRange(onVictim, 1, 39);
        await Eventually.TrueAsync(async () => (await OnlineAsync(devices)).All(t => t.Count == 20), "every device to be listed online");

        fixture.Cluster.Gateways[0].Kill();
        var killed = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => devices.All.Sum(r => r.Drops) >= onVictim && devices.All.All(r => r.IsSettled),
            $"the {onVictim} devices of the killed gateway to reconnect and resume", TimeSpan.FromSeconds(30));
        Assert.Equal(40, await ThroughHaproxyTests.ConnectionsAsync(fixture.Cluster.Gateways[1]));
        output.WriteLine($"the killed gateway's {onVictim} devices resumed {killed.ElapsedMilliseconds} ms after the kill");

        // The dead gateway no longer refreshes its entries: each device is left with its one new connection. Watched
        // before the writes below, so that the time since the kill is the entries' and not the writes' as well.
        await Eventually.TrueAsync(async () => (await OnlineAsync(devices)).All(t => t.Count == 20 && t.All(d => d == 1)),
            "the killed gateway's presence entries to expire", PresenceTiming.Ttl + TimeSpan.FromSeconds(15));
        output.WriteLine($"presence of the killed gateway's {onVictim} connections gone {killed.ElapsedMilliseconds} ms after the kill");
        Assert.InRange(killed.Elapsed, TimeSpan.Zero, PresenceTiming.Ttl + TimeSpan.FromSeconds(5));

        var written = await devices.WriteAsync(5);
        await devices.WaitForAllAsync(written);
        devices.AssertEachGotEverySeqOnceInOrder();
    }

    /// <summary>Per identity, the connection count of each online device, from the owner endpoint through HAProxy.</summary>
    private static async Task<List<List<int>>> OnlineAsync(Devices devices)
    {
        var result = new List<List<int>>();
        foreach (var (tenant, _, _) in devices.Tenants)
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/devices/online");
            response.EnsureSuccessStatusCode();
            var online = await response.Content.ReadFromJsonAsync<JsonElement>();
            result.Add([.. online.EnumerateArray().Select(d => d.GetProperty("connections").GetInt32())]);
        }

        return result;
    }
}
