using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>A device app on the TypeScript SDK (on the official JavaScript SignalR client), through HAProxy, while its gateway is killed.</summary>
public sealed class JsClientTests(ProcessClusterFixture fixture) : IClassFixture<ProcessClusterFixture>
{
    private const int Writes = 60;
    private const int WritesAfter = 10;

    [Fact]
    public async Task A_javascript_device_whose_gateway_is_killed_mid_stream_resumes_on_the_other_and_processes_every_seq_once_in_order()
    {
        var cluster = fixture.Cluster;
        var tenant = await cluster.CreateApi().CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        var before = await Task.WhenAll(cluster.Gateways.Select(ThroughHaproxyTests.ConnectionsAsync));
        await using var js = await JsDevice.StartAsync(cluster.Haproxy.BaseAddress, cluster.Haproxy.HubUrl, device, drive);
        var after = await Task.WhenAll(cluster.Gateways.Select(ThroughHaproxyTests.ConnectionsAsync));
        var holder = cluster.Gateways[Enumerable.Range(0, after.Length).Single(i => after[i] > before[i])];

        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Writes; i++)
            {
                await tenant.CreateFileAsync(drive, Guid.NewGuid());
            }
        });
        await Eventually.TrueAsync(() => js.Seqs.Count >= 10, "the first notifications on the JavaScript device");
        holder.Kill();
        await writer;
        for (var i = 0; i < WritesAfter; i++)
        {
            await tenant.CreateFileAsync(drive, Guid.NewGuid()); // certainly after the kill
        }

        await Eventually.TrueAsync(() => js.Drops > 0 && js.Seqs.Count >= Writes + WritesAfter,
            "the JavaScript device to come back and process every write", TimeSpan.FromSeconds(45));
        Assert.Equal(Enumerable.Range(1, Writes + WritesAfter).Select(i => (long)i), js.Seqs); // once each, in order
        Assert.Equal(0, js.FromChanges); // its resume was answered from the history: nothing to re-read
    }
}
