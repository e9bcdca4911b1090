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

        // The histograms an operator alerts on have their observations: commit to fan-out on each gateway, batches published.
        foreach (var gateway in fixture.Cluster.Gateways)
        {
            Assert.True(await PrometheusScrape.ReadAsync(gateway.BaseAddress, "odin_gateway_delivery_latency_seconds_count") >= 10, $"{gateway.Name}'s delivery latency");
        }

        Assert.True((await Task.WhenAll(fixture.Cluster.Hosting.Select(h => PrometheusScrape.ReadAsync(h.BaseAddress, "odin_outbox_publish_duration_seconds_count"))))
            .Sum(n => n ?? 0) >= 1, "a published batch's duration");

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

    [Fact]
    public async Task Disabling_or_deleting_an_identity_closes_its_devices_on_every_gateway_and_refuses_them_until_it_is_enabled()
    {
        var api = fixture.Cluster.CreateApi();
        var tenant = await api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var devices = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => tenant.CreateDeviceAsync((drive, "read"))));
        var before = await Task.WhenAll(fixture.Cluster.Gateways.Select(ConnectionsAsync));
        var live = new List<NotificationRecorder>();
        foreach (var device in devices.Concat(devices))
        {
            var recorder = await NotificationRecorder.ConnectAsync(fixture.Cluster.Haproxy.HubUrl, device.AccessToken, messagePack: live.Count % 2 == 0);
            Assert.Equal([drive], (await recorder.SubscribeAsync(drive)).Accepted);
            live.Add(recorder);
        }

        // HAProxy's round robin put the identity's devices on both gateways.
        var after = await Task.WhenAll(fixture.Cluster.Gateways.Select(ConnectionsAsync));
        Assert.All(after.Zip(before), c => Assert.True(c.First > c.Second, "each gateway holds some of the identity's devices"));

        await AdminAsync(api, HttpMethod.Post, $"/api/v1/admin/tenants/{tenant.Domain}/disable");
        await AllClosedWithinAsync(live, TimeSpan.FromSeconds(2), "disabled");
        using (var rest = await api.SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", devices[0].AccessToken, tenant.Domain))
        {
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, rest.StatusCode);
        }

        await RefusedEverywhereAsync(devices[0].AccessToken);

        // Enabled again: the same unexpired tokens connect, subscribe and hear writes on every gateway.
        await AdminAsync(api, HttpMethod.Post, $"/api/v1/admin/tenants/{tenant.Domain}/enable");
        var back = new List<NotificationRecorder>();
        foreach (var gateway in fixture.Cluster.Gateways)
        {
            var recorder = await NotificationRecorder.ConnectAsync(new Uri(gateway.BaseAddress, "/hubs/device"), devices[1].AccessToken, messagePack: false);
            Assert.Equal([drive], (await recorder.SubscribeAsync(drive)).Accepted);
            back.Add(recorder);
        }

        var file = Guid.NewGuid();
        await tenant.CreateFileAsync(drive, file);
        foreach (var recorder in back)
        {
            await recorder.WaitForAsync(n => n.FileId == file, "a write after the identity was enabled again");
        }

        await AdminAsync(api, HttpMethod.Delete, $"/api/v1/admin/tenants/{tenant.Domain}");
        await AllClosedWithinAsync(back, TimeSpan.FromSeconds(2), "deleted");
        await RefusedEverywhereAsync(devices[1].AccessToken);
        foreach (var recorder in live.Concat(back))
        {
            await recorder.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_instance_exports_its_instruments_from_the_first_scrape_and_names_its_service()
    {
        // Every metric docs/operations.md lists, on the processes that export it, from the first scrape: nothing needs a leader
        // query or a first event (except histograms, which appear with their first observation, checked where there is one,
        // and what the table says is there "only while" something is).
        var documented = (await DocumentedMetricsAsync()).Where(m => m.Value is "gauge" or "counter").Select(m => m.Key).ToList();
        Assert.Contains("odin_gateway_refused_total", documented);
        var hosting = documented.Where(name => !name.StartsWith("odin_gateway_", StringComparison.Ordinal)).ToList();
        var gateway = documented.Where(name => name.StartsWith("odin_gateway_", StringComparison.Ordinal)).ToList();
        foreach (var (processes, names, service) in new[] { (fixture.Cluster.Hosting, hosting, "odin-hosting"), (fixture.Cluster.Gateways, gateway, "odin-gateway") })
        {
            foreach (var process in processes)
            {
                using var http = new HttpClient { BaseAddress = process.BaseAddress };
                var text = await http.GetStringAsync("/metrics");
                Assert.All(names, name => Assert.Contains($"\n{name}", text, StringComparison.Ordinal));
                Assert.Matches($"target_info\\{{[^}}]*service_name=\"{service}\"", text);
            }
        }
    }

    /// <summary>The <c>odin_*</c> metrics of the table in docs/operations.md, with their type ("gauge (only while ...)" for one that may be absent).</summary>
    private static async Task<Dictionary<string, string>> DocumentedMetricsAsync()
    {
        var operations = await File.ReadAllLinesAsync(RepositoryPaths.InRepository("docs", "operations.md"));
        var metrics = new Dictionary<string, string>();
        foreach (var cells in operations.Where(l => l.StartsWith("| `odin_", StringComparison.Ordinal)).Select(l => l.Split('|', StringSplitOptions.TrimEntries)))
        {
            foreach (var name in cells[1].Split(',', StringSplitOptions.TrimEntries))
            {
                metrics[name.Trim('`')] = cells[4].Contains("(only while", StringComparison.Ordinal) ? $"{cells[2]} (only while)" : cells[2];
            }
        }

        return metrics;
    }

    private static async Task AdminAsync(OdinApi api, HttpMethod method, string path)
    {
        using var response = await api.SendAsync(method, path, OdinHost.AdminKey, null);
        await OdinApi.EnsureAsync(response, System.Net.HttpStatusCode.NoContent);
    }

    /// <summary>Every connection closes by the server within <paramref name="limit"/> of now.</summary>
    private static async Task AllClosedWithinAsync(IEnumerable<NotificationRecorder> recorders, TimeSpan limit, string why)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.TrueAsync(
            () => recorders.All(r => r.Connection.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Disconnected),
            $"every connection of the {why} identity to close", limit);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, limit);
    }

    /// <summary>The still-unexpired token opens no lasting connection on any gateway.</summary>
    private async Task RefusedEverywhereAsync(string token)
    {
        foreach (var gateway in fixture.Cluster.Gateways)
        {
            var attempt = await NotificationRecorder.ConnectAsync(new Uri(gateway.BaseAddress, "/hubs/device"), token, messagePack: false)
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
            if (attempt is not null)
            {
                await using (attempt)
                {
                    await Eventually.TrueAsync(
                        () => attempt.Connection.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Disconnected,
                        $"{gateway.Name} to close a connection of a revoked identity");
                }
            }
        }
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
