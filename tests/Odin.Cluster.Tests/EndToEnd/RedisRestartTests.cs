using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

public sealed class RedisRestartTests(ProcessClusterFixture fixture) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task After_a_Redis_restart_everything_reconnects_by_itself_and_every_notification_arrives_once_in_order()
    {
        var cluster = fixture.Cluster;
        await using var devices = await Devices.ConnectAsync(cluster, tenants: 2, devicesPerTenant: 10);

        fixture.Redis.Kill();
        await Eventually.TrueAsync(async () => !(await Task.WhenAll(cluster.Gateways.Select(g => g.IsReadyAsync()))).Any(r => r),
            "both gateways to report not ready while Redis is down");

        // Hosting stays ready and keeps accepting writes: their notifications wait in the outbox.
        Assert.All(await Task.WhenAll(cluster.Hosting.Select(h => h.IsReadyAsync())), Assert.True);
        var duringOutage = await devices.WriteAsync(2);

        await fixture.Redis.StartAsync();
        await Eventually.TrueAsync(async () => (await Task.WhenAll(cluster.Gateways.Select(g => g.IsReadyAsync()))).All(r => r),
            "both gateways to report ready again", TimeSpan.FromSeconds(30));

        // Delivery resumes: once a write reaches every device, every later write does too.
        await Eventually.TrueAsync(async () =>
        {
            var probe = await devices.WriteAsync(1);
            return await devices.TryWaitForAllAsync(probe, TimeSpan.FromSeconds(2));
        }, "a write after the restart to reach every device", TimeSpan.FromSeconds(30));
        var afterwards = await devices.WriteAsync(3);
        await devices.WaitForAllAsync(afterwards);
        await devices.WaitForAllAsync(duringOutage); // waited in the outbox, delivered when Redis came back
        devices.AssertEachGotEverySeqOnceInOrder(); // gaps left by pub/sub while gateways resubscribed are filled from the history
        Assert.All(devices.All, r => Assert.Equal(0, r.Drops)); // the device connections never dropped
    }
}
