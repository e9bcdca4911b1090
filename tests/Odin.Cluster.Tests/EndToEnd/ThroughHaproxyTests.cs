using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>The real executables behind the real HAProxy with deploy/haproxy.cfg.</summary>
public sealed class ThroughHaproxyTests(ProcessClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task Two_hundred_devices_spread_over_both_gateways_receive_every_notification_of_their_drive()
    {
        await using var devices = await Devices.ConnectAsync(fixture.Cluster, tenants: 2, devicesPerTenant: 100);

        // Round robin spread the devices over both gateways.
        var perGateway = await Task.WhenAll(fixture.Cluster.Gateways.Select(ConnectionsAsync));
        Assert.Equal(200, perGateway.Sum());
        Assert.All(perGateway, n => Assert.InRange(n, 50, 150));

        var deliveredBefore = await DeliveredAsync(); // the other test of this class may have run first
        var written = await devices.WriteAsync(10);
        await devices.WaitForAllAsync(written);
        foreach (var (tenant, drive, recorders) in devices.Tenants)
        {
            Assert.All(recorders, r =>
            {
                Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), r.Received.Select(n => n.Seq));
                Assert.All(r.Received, n => Assert.Equal((tenant.TenantId, drive), (n.TenantId, n.DriveId!.Value)));
            });
        }

        // Each gateway counted what it delivered: together, every delivery, once.
        await Eventually.TrueAsync(async () => await DeliveredAsync() - deliveredBefore == 2000, "the gateways to count 2000 deliveries");

        // Reported, not asserted (timing belongs in benchmarks): commit-to-device latency across instances.
        var latencies = devices.All.SelectMany(r => r.LatenciesMs).Order().ToList();
        output.WriteLine($"{latencies.Count} deliveries to 200 devices through HAProxy: p50 {latencies[latencies.Count / 2]} ms, "
            + $"p99 {latencies[(int)(latencies.Count * 0.99)]} ms, min {latencies[0]} ms, max {latencies[^1]} ms");
    }

    [Fact]
    public async Task The_load_driver_runs_against_the_cluster_and_loses_nothing()
    {
        var report = Path.Combine(fixture.Cluster.Folder, "run.json");
        var exit = await Odin.LoadTest.Run.RunCommand.RunAsync(new Odin.LoadTest.Arguments(
        [
            "--api", fixture.Cluster.Haproxy.BaseAddress.ToString(), "--hub", fixture.Cluster.Haproxy.HubUrl.ToString(),
            "--admin-key", OdinHost.AdminKey, "--devices", "30", "--rate", "10", "--seconds", "2", "--out", report,
        ]), writes: true, CancellationToken.None);

        Assert.Equal(0, exit); // non-zero means lost, duplicated or out-of-order deliveries
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(report));
        Assert.Equal(30, json.RootElement.GetProperty("connected").GetInt32());
        Assert.InRange(json.RootElement.GetProperty("written").GetInt32(), 1, int.MaxValue);
    }

    private async Task<double> DeliveredAsync()
    {
        var sum = 0.0;
        foreach (var gateway in fixture.Cluster.Gateways)
        {
            sum += await PrometheusScrape.ReadAsync(gateway.BaseAddress, "odin_gateway_notifications_delivered_total") ?? 0;
        }

        return sum;
    }

    /// <summary>The gateway's own gauge, scraped from its Prometheus endpoint.</summary>
    internal static async Task<int> ConnectionsAsync(ProcessHost gateway) =>
        (int)(await PrometheusScrape.ReadAsync(gateway.BaseAddress, "odin_gateway_connections")
            ?? throw new InvalidOperationException($"odin_gateway_connections is not in /metrics of {gateway.Name}"));
}
