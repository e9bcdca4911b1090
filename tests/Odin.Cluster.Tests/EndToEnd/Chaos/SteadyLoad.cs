using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.EndToEnd.Chaos;

/// <summary>
/// Steady load on a process cluster, through HAProxy: a few identities with two drives each, hundreds of devices
/// on the .NET SDK (<see cref="SdkDevice"/>: each subscribed to one drive or both, coming back, resuming and
/// re-reading by itself), and writers that keep creating files at a steady rate while a test breaks things. At
/// the end every device's app must have processed exactly the seqs of its drives' files, in order.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ITestOutputHelper _output;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private Task _writers = Task.CompletedTask;

    private readonly bool _resyncAllowed;

    private readonly ProcessCluster _cluster;

    private SteadyLoad(ProcessCluster cluster, List<LoadedTenant> tenants, ITestOutputHelper output, bool resyncAllowed)
    {
        _cluster = cluster;
        Tenants = tenants;
        _output = output;
        _resyncAllowed = resyncAllowed;
    }

    public List<LoadedTenant> Tenants { get; }

    /// <summary>Files written so far, all identities.</summary>
    public int Written => Tenants.Sum(t => t.Files.Count);

    /// <param name="resyncAllowed">
    /// A fault may lose history a resume needs (the SDK then re-reads <c>/changes</c>); otherwise a <c>Resync</c> fails the check.
    /// </param>
    public static async Task<SteadyLoad> ConnectAsync(
        ProcessCluster cluster, int tenants, int devicesPerTenant, int jsDevicesPerTenant, ITestOutputHelper output, bool resyncAllowed = false)
    {
        var api = cluster.CreateApi();
        var loaded = new List<LoadedTenant>();
        for (var t = 0; t < tenants; t++)
        {
            var tenant = await api.CreateTenantAsync();
            var drives = new[] { await tenant.CreateDriveAsync("a"), await tenant.CreateDriveAsync("b") };
            var load = new LoadedTenant(tenant, drives);
            var grants = drives.Select(d => (d, "read")).ToArray();
            var devices = await Task.WhenAll(Enumerable.Range(0, devicesPerTenant + jsDevicesPerTenant).Select(_ => tenant.CreateDeviceAsync(grants)));
            foreach (var chunk in devices.Take(devicesPerTenant).Select((device, i) => (device, i)).Chunk(25))
            {
                load.Devices.AddRange(await Task.WhenAll(chunk.Select(async d =>
                {
                    // A third on drive a, a third on drive b, a third on both; JSON and MessagePack alternately.
                    Guid[] subscribed = (d.i % 3) switch { 0 => [drives[0]], 1 => [drives[1]], _ => drives };
                    var device = await SdkDevice.StartAsync(cluster.Haproxy.BaseAddress, cluster.Haproxy.HubUrl, d.device, subscribed, messagePack: d.i % 2 == 0);
                    return (device, subscribed, d.device);
                })));
            }

            foreach (var (device, i) in devices.Skip(devicesPerTenant).Select((device, i) => (device, i)))
            {
                var drive = drives[i % 2];
                var positionFile = Path.Combine(Path.GetTempPath(), $"odin-js-position-{device.DeviceId:N}.json");
                load.JsDevices.Add((await JsDevice.StartAsync(cluster.Haproxy.BaseAddress, cluster.Haproxy.HubUrl, device, drive, positionFile), drive, device, positionFile));
            }

            loaded.Add(load);
        }

        return new SteadyLoad(cluster, loaded, output, resyncAllowed);
    }

    /// <summary>Starts writing about <paramref name="perSecond"/> files a second in all, spread over the identities and their drives.</summary>
    public void StartWriting(int perSecond)
    {
        const int WritersPerTenant = 2; // so that one slow write does not stall an identity's stream
        var interval = TimeSpan.FromSeconds((double)Tenants.Count * WritersPerTenant / perSecond);
        _writers = Task.WhenAll(Tenants.SelectMany(t => Enumerable.Range(0, WritersPerTenant).Select(w => Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            for (var n = w; await Tick(timer); n++)
            {
                await t.WriteAsync(t.Drives[n % t.Drives.Length], Guid.NewGuid());
            }
        }))));
    }

    /// <summary>Waits until <paramref name="count"/> more files have been written (the load goes on meanwhile).</summary>
    public async Task WriteMoreAsync(int count, string during)
    {
        var target = Written + count;
        await ExplainedAsync(Eventually.TrueAsync(() => Written >= target, $"{count} more writes {during}", TimeSpan.FromSeconds(60)));
        Log($"{Written} written ({during})");
    }

    /// <summary>Awaits <paramref name="wait"/>; if it times out, logs what the servers said before the test fails.</summary>
    public async Task ExplainedAsync(Task wait)
    {
        try
        {
            await wait;
        }
        catch (TimeoutException)
        {
            LogWhatTheServersSaid();
            throw;
        }
    }

    /// <summary>
    /// For a failure's output (the servers' logs are deleted with the fixture): each identity's last refused write and
    /// the end of every Odin process's log.
    /// </summary>
    private void LogWhatTheServersSaid()
    {
        foreach (var tenant in Tenants.Where(t => t.LastFailure is not null))
        {
            Log($"last refused write of {tenant.Tenant.Domain}: {tenant.LastFailure}");
        }

        foreach (var process in _cluster.Hosting.Concat(_cluster.Gateways))
        {
            Log($"the end of {process.Name}'s log:\n{process.LogTail(30)}");
        }
    }

    public void Log(string what) => _output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}");

    /// <summary>Stops the writers (each write under way completes).</summary>
    public async Task StopWritingAsync()
    {
        await _stop.CancelAsync();
        await _writers;
        Log($"writing stopped: {Written} files, {Written / _clock.Elapsed.TotalSeconds:F0} per second on average");
    }

    /// <summary>
    /// Every device's app processed exactly the seqs of its own drives' files, in order, once each, and nothing of
    /// another identity. Waits for stragglers.
    /// </summary>
    public async Task AssertEveryDeviceProcessedEverySeqOfItsDrivesOnceInOrderAsync(IReadOnlySet<object>? except = null)
    {
        foreach (var tenant in Tenants)
        {
            var seqs = await tenant.SeqsByDriveAsync();
            foreach (var drive in tenant.Drives)
            {
                // Nothing lost on the way in: every file written is in its drive's changes.
                Assert.Equal(tenant.Files.Where(f => f.Value == drive).Select(f => f.Key).Order(), seqs[drive].Keys.Order());
            }

            var fileSeqs = seqs.Values.SelectMany(d => d.Values).ToHashSet();
            List<long> Expected(IEnumerable<Guid> drives) => [.. drives.SelectMany(d => seqs[d].Values).Order()];
            List<long> OfFiles(IEnumerable<long> processed) => [.. processed.Where(fileSeqs.Contains)];

            var devices = tenant.Devices.Where(d => except?.Contains(d.Device) != true).ToList();
            var jsDevices = tenant.JsDevices.Where(d => except?.Contains(d.Device) != true).ToList();
            await ExplainedAsync(Eventually.TrueAsync(
                () => devices.All(d => OfFiles(d.Device.Processed).Count >= Expected(d.Drives).Count)
                      && jsDevices.All(d => OfFiles(d.Device.Seqs).Count >= Expected([d.Drive]).Count),
                $"every device of {tenant.Tenant.Domain} to process its {fileSeqs.Count} files' notifications", TimeSpan.FromSeconds(60)));
            foreach (var (device, drives, _) in devices)
            {
                Assert.Equal(Expected(drives), OfFiles(device.Processed));
                Assert.All(device.Handled, n => Assert.Equal(tenant.Tenant.TenantId, n.Envelope.TenantId));
                if (!_resyncAllowed)
                {
                    Assert.Equal(0, device.Resyncs);
                    Assert.DoesNotContain(device.Handled, n => n.FromChanges);
                }
            }

            foreach (var (device, drive, _, _) in jsDevices)
            {
                Assert.Equal(Expected([drive]), OfFiles(device.Seqs));
                Assert.All(device.Of("notification"), n => Assert.Equal(tenant.Tenant.TenantId, n.GetProperty("tenantId").GetGuid()));
                if (!_resyncAllowed)
                {
                    Assert.Equal(0, device.FromChanges);
                }
            }
        }

        var all = Tenants.SelectMany(t => t.Devices.Select(d => d.Device)).ToList();
        Log($"{all.Count + Tenants.Sum(t => t.JsDevices.Count)} devices checked; {all.Sum(d => d.Drops)} drops, "
            + $"{all.Sum(d => d.Resyncs)} resyncs ({all.Sum(d => d.Handled.Count(n => n.FromChanges))} changes re-read from /changes)");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _writers.ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var tenant in Tenants)
        {
            foreach (var (device, _, _) in tenant.Devices)
            {
                await device.DisposeAsync();
            }

            foreach (var (device, _, _, positionFile) in tenant.JsDevices)
            {
                await device.DisposeAsync();
                File.Delete(positionFile);
            }
        }

        _stop.Dispose();
    }

    private async Task<bool> Tick(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
