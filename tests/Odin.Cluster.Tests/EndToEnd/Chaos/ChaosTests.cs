using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.EndToEnd.Chaos;

/// <summary>
/// The faults an operator sees, each under steady load (200 devices of 4 identities behind HAProxy, about 200
/// writes a second): afterwards every device has processed exactly the seqs of its drives, in order, once each,
/// and nothing of another identity. Each test leaves the cluster whole for the next.
/// </summary>
public sealed class ChaosTests(ChaosClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ChaosClusterFixture>
{
    private const int Tenants = 4;
    private const int DevicesPerTenant = 50;
    private const int WritesPerSecond = 200;

    [Fact]
    public async Task A_gateway_killed_with_SIGKILL()
    {
        var cluster = fixture.Cluster;
        await using var load = await StartAsync(jsDevicesPerTenant: 1); // the official JavaScript client too
        var victim = cluster.Gateways[0];
        victim.Kill();
        load.Log("gateway 0 killed");
        await WithoutThenBackAsync(load, victim); // every resume recovered from the history: no device re-read /changes
    }

    [Fact]
    public async Task A_gateway_stopped_with_SIGTERM()
    {
        var cluster = fixture.Cluster;
        await using var load = await StartAsync();
        var victim = cluster.Gateways[1];
        var exited = await victim.TerminateAsync(TimeSpan.FromSeconds(40));
        load.Log($"gateway 1 drained and exited in {exited?.TotalMilliseconds:F0} ms");
        Assert.NotNull(exited);
        await WithoutThenBackAsync(load, victim);
    }

    [Fact]
    public async Task Redis_restarted()
    {
        var cluster = fixture.Cluster;
        // Slower writes: the outage below outlasts the lag bound, and what waits in the outbox meanwhile must stay
        // within an identity's history (300), or the devices are told to resync when Redis is back.
        await using var load = await StartAsync(writesPerSecond: 60);
        var logged = cluster.Hosting.Select(h => h.LogLines().Count).ToList();
        var outage = System.Diagnostics.Stopwatch.StartNew();
        fixture.Redis.Kill();
        load.Log("Redis killed (the notifications of the writes wait in the outbox)");

        // Down longer than the Hosting instances' lag bound: they say so and stay ready, so HAProxy keeps sending them
        // the writes (with the lag "not ready", every instance left the pool two checks later and writing stopped).
        await Eventually.TrueAsync(async () => (await Task.WhenAll(cluster.Hosting.Select(h => h.ReadinessAsync())))
                .Any(r => r is { Status: 200, Body: var body } && body.StartsWith("Degraded\noutbox: outbox shards ", StringComparison.Ordinal)),
            "a Hosting instance to report its outbox lag, still ready", TimeSpan.FromSeconds(30));
        load.Log("a Hosting instance reports its outbox lag");
        await load.WriteMoreAsync(150, "while the instances lag, through HAProxy"); // 2.5 s: past HAProxy's two checks
        Assert.All(await Task.WhenAll(cluster.Hosting.Select(h => h.ReadinessAsync())), r => Assert.Equal(200, r.Status));

        await fixture.Redis.StartAsync();
        await load.ExplainedAsync(Eventually.TrueAsync(async () => (await Task.WhenAll(cluster.Gateways.Select(g => g.IsReadyAsync()))).All(r => r),
            "both gateways to report ready again", TimeSpan.FromSeconds(60)));
        load.Log("Redis back");

        // No Odin process stopped: a background loop that let a Redis call's exception through stopped its host.
        Assert.DoesNotContain(cluster.Hosting.Concat(cluster.Gateways), p => p.HasExited);

        // Every commit woke a dispatcher that failed again: each instance said so once per 10 s, not once per commit.
        var mostWarnings = 1 + (int)Math.Ceiling(outage.Elapsed / TimeSpan.FromSeconds(10));
        for (var i = 0; i < cluster.Hosting.Count; i++)
        {
            var warnings = cluster.Hosting[i].LogLines().Skip(logged[i])
                .Count(line => line.Contains("could not be handed to Redis", StringComparison.Ordinal) || line.Contains("Publishing notifications failed", StringComparison.Ordinal));
            load.Log($"{cluster.Hosting[i].Name} logged {warnings} publishing failures in {outage.Elapsed.TotalSeconds:F0} s");
            Assert.InRange(warnings, 0, mostWarnings);
        }

        await load.WriteMoreAsync(100, "after Redis came back");
        await load.StopWritingAsync();

        await load.AssertEveryDeviceProcessedEverySeqOfItsDrivesOnceInOrderAsync();
    }

    [Fact]
    public async Task A_Hosting_instance_killed_with_SIGKILL()
    {
        var cluster = fixture.Cluster;
        await using var load = await StartAsync();
        var victim = cluster.Hosting[0];
        victim.Kill();
        load.Log("Hosting instance 0 killed");
        await WithoutThenBackAsync(load, victim);
    }

    [Fact]
    public async Task A_device_away_longer_than_the_history_is_told_to_resync_and_its_SDK_rereads_the_changes()
    {
        await using var load = await StartAsync(jsDevicesPerTenant: 1);
        var tenant = load.Tenants[0];
        var (away, drives, handle) = tenant.Devices.First(d => d.Drives.Length == 2);
        var (jsAway, jsDrive, jsHandle, jsPosition) = tenant.JsDevices[0];
        await away.DisposeAsync(); // the apps stop; their positions stay in their stores (the JavaScript one in a file)
        await jsAway.DisposeAsync();
        var before = away.Processed;
        var jsBefore = jsAway.Seqs;
        var target = tenant.Files.Count + ChaosClusterFixture.HistoryLength + 50;
        await Eventually.TrueAsync(() => tenant.Files.Count >= target, "more writes to the identity than its history holds", TimeSpan.FromSeconds(60));

        // The app starts again with its saved position, through any gateway: the history no longer reaches it.
        await using var back = await SdkDevice.StartAsync(fixture.Cluster.Haproxy.BaseAddress, fixture.Cluster.Haproxy.HubUrl, handle, drives,
            store: away.PositionStore);
        Assert.True(back.Resyncs >= 1);
        Assert.Contains(back.Handled, n => n.FromChanges);
        await using var jsBack = await JsDevice.StartAsync(fixture.Cluster.Haproxy.BaseAddress, fixture.Cluster.Haproxy.HubUrl, jsHandle, jsDrive, jsPosition);
        await Eventually.TrueAsync(() => jsBack.FromChanges > 0, "the JavaScript device to re-read /changes");

        await load.WriteMoreAsync(100, "after the devices came back");
        await load.StopWritingAsync();
        await load.AssertEveryDeviceProcessedEverySeqOfItsDrivesOnceInOrderAsync(except: new HashSet<object> { away, jsAway });

        // What the app processed before it stopped and after it started again: every seq of its drives, once, in order.
        var seqs = await tenant.SeqsByDriveAsync();
        var expected = drives.SelectMany(d => seqs[d].Values).Order().ToList();
        var files = expected.ToHashSet();
        await Eventually.TrueAsync(() => before.Concat(back.Processed).Count(files.Contains) >= expected.Count, "the device to have every seq of its drives");
        Assert.Equal(expected, before.Concat(back.Processed).Where(files.Contains));
        var jsExpected = seqs[jsDrive].Values.Order().ToList();
        await Eventually.TrueAsync(() => jsBefore.Concat(jsBack.Seqs).Count(files.Contains) >= jsExpected.Count, "the JavaScript device to have every seq of its drive");
        Assert.Equal(jsExpected, jsBefore.Concat(jsBack.Seqs).Where(files.Contains));
        load.Log($"the .NET device re-read {back.Handled.Count(n => n.FromChanges)} changes and the JavaScript one {jsBack.FromChanges}, then both went on live");
    }

    /// <summary>The load goes on without <paramref name="victim"/>, then with it started again; then every device is checked.</summary>
    private static async Task WithoutThenBackAsync(SteadyLoad load, ProcessHost victim)
    {
        await load.WriteMoreAsync(300, $"without {victim.Name}");
        await victim.StartAsync();
        await Eventually.TrueAsync(victim.IsReadyAsync, $"{victim.Name} to be ready again");
        await load.WriteMoreAsync(100, $"after {victim.Name} came back");
        await load.StopWritingAsync();
        await load.AssertEveryDeviceProcessedEverySeqOfItsDrivesOnceInOrderAsync();
    }

    private async Task<SteadyLoad> StartAsync(int jsDevicesPerTenant = 0, int writesPerSecond = WritesPerSecond)
    {
        var load = await SteadyLoad.ConnectAsync(fixture.Cluster, Tenants, DevicesPerTenant, jsDevicesPerTenant, output);
        load.Log($"{Tenants * (DevicesPerTenant + jsDevicesPerTenant)} devices connected");
        load.StartWriting(writesPerSecond);
        await load.WriteMoreAsync(200, "before the fault");
        return load;
    }
}
