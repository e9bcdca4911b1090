using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>Resume across gateways on a real Redis history, while the identity keeps writing.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ResumeAcrossGatewaysTests(SharedCluster fixture)
{
    private const int Writes = 120;

    [Fact]
    public async Task A_device_that_moves_to_another_gateway_while_writes_go_on_gets_every_seq_once_and_in_order()
    {
        var cluster = fixture.Cluster;
        var apis = cluster.Hosting.Select(h => new OdinApi(h.CreateClient())).ToList();
        var tenant = await apis[0].CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));

        var first = await NotificationRecorder.ConnectAsync(cluster.Gateways[0].HubUrl, device.AccessToken, messagePack: true);
        await first.SubscribeAsync(drive);
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Writes; i++)
            {
                await (tenant with { Api = apis[i % apis.Count] }).CreateFileAsync(drive, Guid.NewGuid()); // through every Hosting instance
            }
        });
        await Eventually.TrueAsync(() => first.Received.Count >= 20, "the first notifications on gateway 0");

        // The device has processed up to its cursor, drops off, and comes back through the other gateway.
        var (cursor, epoch) = (first.Cursor, first.Epoch);
        var processed = first.Received.Where(n => n.Seq <= cursor).Select(n => n.Seq).ToList();
        await first.DisposeAsync();
        await using var second = await NotificationRecorder.ConnectAsync(cluster.Gateways[1].HubUrl, device.AccessToken, messagePack: false);
        var resumed = await second.ResumeAsync(cursor, epoch, drive);
        await writer;

        Assert.True(resumed.Recovered);
        await Eventually.TrueAsync(() => processed.Count + second.Received.Count >= Writes, "every write to reach the device");
        Assert.Equal(Enumerable.Range(1, Writes).Select(i => (long)i), processed.Concat(second.Received.Select(n => n.Seq)));
        Assert.Empty(second.Resyncs);
    }
}
