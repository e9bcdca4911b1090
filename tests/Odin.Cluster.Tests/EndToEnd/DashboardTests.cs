using System.Diagnostics;
using System.Text.Json;
using Odin.ClusterPrimitives.Redis;
using Odin.ClusterPrimitives.Reports;
using Odin.Testing;
using StackExchange.Redis;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>
/// The cluster dashboard (<c>/admin</c>) in a real headless Chromium (Debian's, driven by Playwright: tests/dashboard),
/// against the real executables (2 Hosting, 2 gateways) behind HAProxy, as an operator uses it: it loads with no
/// console error and shows both gateways; a device connecting moves the device count, a write moves the deliveries,
/// and a killed gateway drops off.
/// </summary>
public sealed class DashboardTests(ProcessClusterFixture fixture) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task The_dashboard_shows_the_cluster_and_follows_a_device_a_write_and_a_killed_gateway()
    {
        var cluster = fixture.Cluster;
        var first = await SeeAsync(new { hosting = 2, gateways = 2, leader = true });

        var (tenant, drive, handle) = await cluster.CreateApi().CreateReaderAsync();
        await using var device = await SdkDevice.StartAsync(cluster.Haproxy.BaseAddress, cluster.Haproxy.HubUrl, handle, [drive]);
        var connected = await SeeAsync(new { gateways = 2, devicesAtLeast = first.GetProperty("devices").GetInt32() + 1 });

        await tenant.CreateFilesAsync(drive, 1);
        await device.WaitForAsync(n => n.Seq == 1, "the device to hear the write");
        await SeeAsync(new { deliveredAtLeast = connected.GetProperty("delivered").GetInt32() + 1 },
            Environment.GetEnvironmentVariable("ODIN_DASHBOARD_SCREENSHOT"));

        cluster.Gateways[0].Kill();
        await SeeAsync(new { gateways = 1, timeoutMs = 40_000 }); // its report expires within 10 s
        await cluster.Gateways[0].StartAsync();
        await Eventually.TrueAsync(cluster.Gateways[0].IsReadyAsync, "gateway 0 to be ready again");

        // A slow-consumer close that a gateway reports is listed under Recent events. (That a gateway reports the ones it
        // closes is SlowConsumerTests'; making a device too slow through HAProxy would take this test minutes.)
        var detail = $"{tenant.Domain}, device {handle.DeviceId}: more than 1000 notifications waited";
        await ReportAsync(new InstanceReport("odin-gateway", "reporting-test:1", "test", true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(30),
            new Dictionary<string, double>(), new Dictionary<string, string>(), [new InstanceEvent(DateTimeOffset.UtcNow, "slow-consumer", detail)]));
        await SeeAsync(new { eventContaining = detail });
    }

    private async Task ReportAsync(InstanceReport report)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Cluster.Redis.ConnectionString);
        await new RedisInstanceReports(redis, new RedisNames(fixture.Cluster.ChannelPrefix), TimeProvider.System).PublishAsync(report);
    }

    /// <summary>Waits (in the browser) until the dashboard shows <paramref name="expectation"/>; returns what it showed.</summary>
    private async Task<JsonElement> SeeAsync(object expectation, string? screenshot = null)
    {
        var folder = RepositoryPaths.InRepository("tests", "dashboard");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules")), "tests/dashboard is not installed: run 'npm ci' there (scripts/test.sh does).");
        var start = new ProcessStartInfo(ServerBinaries.Find("node")) { WorkingDirectory = folder };
        foreach (var arg in new[] { "dashboard.mjs", fixture.Cluster.Haproxy.BaseAddress.ToString().TrimEnd('/'), OdinHost.AdminKey, JsonSerializer.Serialize(expectation) }
                     .Concat(screenshot is null ? [] : [screenshot]))
        {
            start.ArgumentList.Add(arg);
        }

        var (exit, output) = await ChildProcess.RunCapturedAsync(start, TimeSpan.FromSeconds(90));
        Assert.True(exit == 0, $"the browser run failed ({exit}):\n{output}");
        using var result = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('{')));
        var root = result.RootElement.Clone();
        Assert.True(root.GetProperty("ok").GetBoolean(), $"the dashboard did not show {JsonSerializer.Serialize(expectation)}: {root.GetProperty("seen")}");
        Assert.Empty(root.GetProperty("errors").EnumerateArray());
        return root.GetProperty("seen");
    }
}
