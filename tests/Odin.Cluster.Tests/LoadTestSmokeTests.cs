using System.Text.Json;
using Odin.LoadTest;
using Odin.LoadTest.Compare;
using Odin.Gateway.Connections;

namespace Odin.Cluster.Tests;

/// <summary>
/// Keeps the benchmark harness working: a tiny <c>compare</c> (a few devices for a second) must run all three
/// targets and deliver every message exactly once, in order. The real runs live in docs/benchmarks.md.
/// </summary>
[Collection(LoadTestCollection.Name)]
public sealed class LoadTestSmokeTests
{
    /// <summary>
    /// Also the gateway's fan-out without garbage: 200 devices of one identity have up to 200 writes in flight at once,
    /// more than the shared array pool keeps by default (32 a core), so without <see cref="FanOutBuffers"/> each delivery
    /// allocated a new 4 KiB buffer (about 3 KB a delivery, counted by the probe every benchmarked server carries).
    /// </summary>
    [Fact]
    public async Task A_small_compare_runs_every_target_without_losing_anything_and_the_gateway_fans_out_without_garbage()
    {
        var output = Path.Combine(Path.GetTempPath(), $"compare-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await CompareCommand.RunAsync(
                new Arguments(["--devices", "200", "--burst", "5", "--rate", "2000", "--seconds", "2", "--idle-seconds", "1", "--out", output]), CancellationToken.None);

            Assert.Equal(0, exit); // non-zero means lost, duplicated or out-of-order deliveries
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            var results = report.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("Target").GetString()!);
            Assert.Equal(["raw-websockets", "plain-signalr-redis", "odin-gateway"], results.Keys);
            Assert.All(results.Values, r => Assert.True(r.GetProperty("WarmAllocatedKiBPerConnect").GetDouble() > 0)); // the probe answered every server
            Assert.All(results.Values, r => Assert.True(r.GetProperty("P50Ms").GetDouble() > 0)); // every paced delivery's latency, to the tick
            var perDelivery = results["odin-gateway"].GetProperty("AllocatedBytesPerDelivery").GetDouble();
            Assert.True(perDelivery < 1024, $"the gateway allocated {perDelivery:F0} bytes per delivery");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task A_small_hosts_benchmark_gets_the_expected_answer_to_every_hostile_host()
    {
        await using var node = await Odin.Testing.OdinNode.StartAsync(new Dictionary<string, string?>());
        var exit = await HostsCommand.RunAsync(new Arguments(
            ["--api", node.Host.BaseAddress.ToString(), "--pid", $"{Environment.ProcessId}", "--hosts", "300", "--oversized", "20"]), CancellationToken.None);
        Assert.Equal(0, exit); // non-zero: an unknown host was not 404 or an oversized one not 400
    }

    [Fact]
    public async Task The_listener_of_the_walkthrough_refuses_bad_arguments_and_a_refused_device_with_an_exit_code_not_a_crash()
    {
        await using var node = await Odin.Testing.OdinNode.StartAsync(new Dictionary<string, string?>());
        var tenant = await new Odin.Testing.OdinApi(node.Host.CreateClient()).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        var folder = Directory.CreateTempSubdirectory("odin-listen-").FullName;
        try
        {
            var missing = Path.Combine(folder, "missing.json");
            var notJson = Path.Combine(folder, "not.json");
            var wrongSecret = Path.Combine(folder, "wrong.json");
            await File.WriteAllTextAsync(notJson, "null");
            await File.WriteAllTextAsync(wrongSecret, JsonSerializer.Serialize(new { deviceId = device.DeviceId, deviceSecret = "not-the-secret" }));
            string[] Args(string file, string driveId) =>
                ["--server", node.Host.BaseAddress.ToString(), "--domain", tenant.Domain, "--device-file", file, "--drive", driveId];

            // The walk-through's variables left empty or wrong: one line that says which argument, not a stack trace.
            await Assert.ThrowsAsync<ArgumentException>(() => ListenCommand.RunAsync(new Arguments(Args(missing, $"{drive}")), CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(() => ListenCommand.RunAsync(new Arguments(Args(notJson, $"{drive}")), CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(() => ListenCommand.RunAsync(new Arguments(Args(wrongSecret, "null")), CancellationToken.None));
            // A device the server refuses (a wrong secret): exit code 1, with the server's reason.
            Assert.Equal(1, await ListenCommand.RunAsync(new Arguments(Args(wrongSecret, $"{drive}")), CancellationToken.None));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_small_resume_benchmark_moves_every_device_to_the_other_gateway_without_losing_anything()
    {
        // Non-zero: a device did not resume, or lost or skipped a notification.
        Assert.Equal(0, await Odin.LoadTest.Resume.ResumeCommand.RunAsync(new Arguments(["--devices", "50", "--rate", "10"]), CancellationToken.None));
    }

    [Fact]
    public async Task A_small_routing_benchmark_delivers_every_notification_to_exactly_its_identitys_devices()
    {
        // Non-zero or a throw: a device did not get exactly its identity's notifications, in order.
        Assert.Equal(0, await Odin.LoadTest.Routing.RoutingCommand.RunAsync(
            new Arguments(["--gateways", "3", "--identities", "6", "--notifications", "60"]), CancellationToken.None));
    }

    [Fact]
    public async Task A_small_stalled_benchmark_shows_the_gateway_delivering_past_a_device_that_stopped_reading()
    {
        // Non-zero: the reading device on the Odin gateway missed a message or was held up by the stalled one.
        Assert.Equal(0, await StalledCommand.RunAsync(new Arguments(["--messages", "300", "--size", "4096"]), CancellationToken.None));
    }

    [Fact]
    public async Task A_small_cache_benchmark_runs_hit_paths_and_cross_instance_invalidation()
    {
        Assert.Equal(0, await CacheCommand.RunAsync(new Arguments(["--hits", "1000", "--rounds", "1", "--samples", "20"]), CancellationToken.None));
    }
}
