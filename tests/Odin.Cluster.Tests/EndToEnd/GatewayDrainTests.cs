using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.EndToEnd;

public sealed class GatewayDrainTests(ProcessClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task A_gateway_stopped_with_SIGTERM_sends_its_devices_elsewhere_and_exits_and_they_resume_without_loss_or_duplicates()
    {
        await using var devices = await Devices.ConnectAsync(fixture.Cluster, tenants: 2, devicesPerTenant: 20);
        var onVictim = await ThroughHaproxyTests.ConnectionsAsync(fixture.Cluster.Gateways[0]);
        Assert.InRange(onVictim, 1, 39);
        var before = await devices.WriteAsync(5);
        await devices.WaitForAllAsync(before);

        // Writes go on while the gateway drains.
        var during = devices.WriteAsync(20);
        var exited = await fixture.Cluster.Gateways[0].TerminateAsync(TimeSpan.FromSeconds(40));
        output.WriteLine($"gateway with {onVictim} devices exited {exited?.TotalMilliseconds:F0} ms after SIGTERM");
        Assert.NotNull(exited);
        Assert.InRange(exited.Value, TimeSpan.Zero, TimeSpan.FromSeconds(35)); // the 30 s drain deadline and the host's stop

        await Eventually.TrueAsync(() => devices.All.All(r => r.IsSettled) && devices.All.Sum(r => r.Drops) >= onVictim,
            $"the {onVictim} devices of the drained gateway to reconnect and resume", TimeSpan.FromSeconds(30));
        Assert.Equal(40, await ThroughHaproxyTests.ConnectionsAsync(fixture.Cluster.Gateways[1]));
        await devices.WaitForAllAsync(await during);
        await devices.WaitForAllAsync(await devices.WriteAsync(5));
        devices.AssertEachGotEverySeqOnceInOrder();
        Assert.All(devices.All.SelectMany(r => r.Resumes), r => Assert.True(r.Recovered));
    }
}
