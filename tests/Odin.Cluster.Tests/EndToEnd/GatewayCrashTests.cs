using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

public sealed class GatewayCrashTests(ProcessClusterFixture fixture) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task Devices_of_a_killed_gateway_reconnect_through_haproxy_to_the_other_and_receive_later_writes()
    {
        await using var devices = await Devices.ConnectAsync(fixture.Cluster, tenants: 2, devicesPerTenant: 20);
        var onVictim = await ThroughHaproxyTests.ConnectionsAsync(fixture.Cluster.Gateways[0]);
        Assert.InRange(onVictim, 1, 39);

        fixture.Cluster.Gateways[0].Kill();
        await Eventually.TrueAsync(() => devices.All.Sum(r => r.Drops) >= onVictim && devices.All.All(r => r.IsSettled),
            $"the {onVictim} devices of the killed gateway to reconnect and subscribe again", TimeSpan.FromSeconds(30));
        Assert.Equal(40, await ThroughHaproxyTests.ConnectionsAsync(fixture.Cluster.Gateways[1]));

        var written = await devices.WriteAsync(5);
        await devices.WaitForAllAsync(written);
    }
}
