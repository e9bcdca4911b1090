using System.Diagnostics;
using Odin.Contracts;

namespace Odin.LoadTest.Compare;

/// <summary>The benchmark scenario, identical for every target.</summary>
/// <param name="Identities">
/// How many identities the devices are spread over (evenly); each notification is for one of them, in turn. 1 is one
/// identity's broadcast to every device; more is the many-identities shape (plain SignalR: a group per identity).
/// </param>
/// <param name="Waves">
/// Connect waves in all: the first, before the deliveries, and Waves - 1 more after them (every device dropped and
/// connected again each time); the last is reported as the warm server's.
/// </param>
/// <param name="IdleSeconds">
/// How long the idle CPU is measured; the default, 10, is one period of the gateway's presence refresh.
/// </param>
internal sealed record ScenarioOptions(int Devices, int BurstMessages, int PacedDeliveriesPerSecond, int PacedSeconds, bool MessagePack, int ConnectConcurrency, int Identities = 1, int Waves = 2, int IdleSeconds = 10)
{
    /// <summary>The devices each notification reaches.</summary>
    public int DevicesPerIdentity => Devices / Identities;
}

/// <summary>What one target achieved.</summary>
/// <param name="CpuPerConnectMs">The server process's own CPU (utime + stime) per connect, first wave.</param>
/// <param name="WarmCpuPerConnectMs">The same, second wave (a server that has run for a while).</param>
/// <param name="CpuPerDeliveryUs">The server process's own CPU per delivery in the paced phase.</param>
/// <param name="BurstCpuPerDeliveryUs">The same in the burst phase (every device gets the burst at once).</param>
/// <param name="WarmAllocatedKiBPerConnect">What the server allocated per connect in the last wave (the probe's count, exact).</param>
/// <param name="AllocatedBytesPerDelivery">What the server allocated per delivery in the paced phase.</param>
/// <param name="PacedCollections">The server's garbage collections (every generation) during the paced phase.</param>
/// <param name="WarmFaultsPerConnect">The server's minor page faults per connect in the last wave.</param>
/// <param name="CpuPerDisconnectMs">The server's own CPU per device leaving (the first wave's, after the paced phase).</param>
/// <param name="IdleCpuMsPerSecond">
/// The server's own CPU per second of wall clock while every device is connected and nothing is sent (keep-alives,
/// timers, presence refreshes, the GC): part of every phase's cost, and what a fleet of idle devices costs.
/// </param>
internal sealed record TargetResult(
    string Target, int Connected, double ConnectsPerSecond, double WarmConnectsPerSecond, double IdleKiBPerConnection, double BurstDeliveriesPerSecond,
    double P50Ms, double P99Ms, double P999Ms, long Lost, long Duplicated, long OutOfOrder,
    double CpuPerConnectMs, double WarmCpuPerConnectMs, double CpuPerDeliveryUs, double BurstCpuPerDeliveryUs, double IdleCpuMsPerSecond,
    double WarmAllocatedKiBPerConnect, double AllocatedBytesPerDelivery, int PacedCollections, double CpuPerDisconnectMs, double WarmFaultsPerConnect);

internal static class Scenario
{
    /// <summary>How long the server is given to finish closing the connections of devices that left.</summary>
    private static readonly TimeSpan DisconnectSettle = TimeSpan.FromSeconds(2);

    public static async Task<TargetResult> RunAsync(BenchTarget target, ScenarioOptions options, Action<string> progress)
    {
        target.Prepare(options.Devices, options.Identities);
        async Task<BenchClient[]> ConnectAsync(int count)
        {
            var connected = new BenchClient[count];
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency },
                async (i, _) => connected[i] = await target.ConnectAsync(i, options.MessagePack));
            return connected;
        }

        static async Task DisconnectAsync(BenchClient[] leaving)
        {
            foreach (var client in leaving)
            {
                await client.DisposeAsync();
            }

            await Task.Delay(DisconnectSettle); // the server closes them after the devices have gone
        }

        // The server's own CPU per operation: steadier on a shared machine than any wall-clock rate.
        double CpuSince(TimeSpan before) => (ProcessCpu.Time(target.ProcessId) - before).TotalMilliseconds;
        var rssBefore = ProcessMemory.Rss(target.ProcessId);
        var cpu = ProcessCpu.Time(target.ProcessId);
        var clock = Stopwatch.StartNew();
        var clients = await ConnectAsync(options.Devices);
        var connectsPerSecond = options.Devices / clock.Elapsed.TotalSeconds;
        var cpuPerConnectMs = CpuSince(cpu) / options.Devices;
        progress($"{target.Name}: {options.Devices} connected at {connectsPerSecond:F0}/s");

        // Idle memory: let the server settle, then read its resident set.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var kibPerConnection = (ProcessMemory.Rss(target.ProcessId) - rssBefore) / 1024.0 / options.Devices;

        // Idle: what the connected devices cost while nothing is sent to them.
        cpu = ProcessCpu.Time(target.ProcessId);
        clock.Restart();
        await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
        var idleCpuMsPerSecond = CpuSince(cpu) / clock.Elapsed.TotalSeconds;
        progress($"{target.Name}: idle {idleCpuMsPerSecond:F1} ms CPU a second");

        // Each identity numbers its own notifications, as Odin does; the publishing goes round the identities.
        var seqs = new long[options.Identities];
        var published = 0L;
        PublishTimes? publishTimes = null; // from the paced phase on, when latency is measured
        Task PublishNextAsync()
        {
            var identity = (int)(published++ % options.Identities);
            var seq = ++seqs[identity];
            publishTimes?.Published(identity, seq);
            return target.PublishAsync(identity, Next(seq));
        }

        NotificationEnvelope Next(long seq) => new()
        {
            Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileModified, TenantId = Guid.Empty, DriveId = Guid.Empty,
            FileId = Guid.NewGuid(), VersionTag = "0123456789abcdef0123456789abcdef", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };

        // Burst: publish as fast as possible (every identity's devices get BurstMessages), time until every device has all of them.
        cpu = ProcessCpu.Time(target.ProcessId);
        clock.Restart();
        for (var i = 0; i < options.BurstMessages * options.Identities; i++)
        {
            await PublishNextAsync();
        }

        var burstTarget = (long)options.BurstMessages;
        await Waiting.UntilAsync(() => clients.All(c => c.Received >= burstTarget), TimeSpan.FromSeconds(60));
        var burstRate = (double)options.BurstMessages * options.Devices / clock.Elapsed.TotalSeconds;
        var burstCpuPerDeliveryUs = CpuSince(cpu) * 1000 / ((double)options.BurstMessages * options.Devices);
        progress($"{target.Name}: burst {burstRate:F0} deliveries/s, {burstCpuPerDeliveryUs:F1} µs CPU each");

        // Every identity gets the same number of paced messages, so each device expects the same count.
        var messagesPerSecond = Math.Max(1.0, (double)options.PacedDeliveriesPerSecond / options.DevicesPerIdentity);
        var pacedPerIdentity = Math.Max(1, (int)(messagesPerSecond * options.PacedSeconds / options.Identities));
        var pacedMessages = pacedPerIdentity * options.Identities;

        // Paced: a steady rate of deliveries, latency of each, from the driver's own clock at publish and at arrival
        // (the envelope's At is whole milliseconds: too coarse where the p99 is a few of them).
        var histogram = new LatencyHistogram();
        publishTimes = new PublishTimes(options.Identities, burstTarget + pacedPerIdentity);
        for (var device = 0; device < clients.Length; device++)
        {
            var identity = target.IdentityOf(device);
            clients[device].OnArrival = n =>
            {
                if (publishTimes.Since(identity, n.Seq) is { } latency)
                {
                    histogram.Record(latency);
                }
            };
        }
        cpu = ProcessCpu.Time(target.ProcessId);
        var gc = target.Gc;
        clock.Restart();
        for (var i = 0; i < pacedMessages; i++)
        {
            var due = TimeSpan.FromSeconds(i / messagesPerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            await PublishNextAsync();
        }

        var expected = burstTarget + pacedPerIdentity;
        await Waiting.UntilAsync(() => clients.All(c => c.Received >= expected), TimeSpan.FromSeconds(30));
        var cpuPerDeliveryUs = CpuSince(cpu) * 1000 / ((double)pacedPerIdentity * options.Devices);
        var pacedGc = target.Gc - gc;
        var allocatedPerDelivery = (double)pacedGc.AllocatedBytes / ((double)pacedPerIdentity * options.Devices);
        var lost = clients.Sum(c => Math.Max(0, expected - c.Received));
        var (duplicated, outOfOrder) = (clients.Sum(c => (long)c.Duplicates), clients.Sum(c => (long)c.OutOfOrder));
        // Every device leaves; the server's part of that (the closes, its cleanup) is measured on its own, and over before
        // the next wave is, so that no wave's CPU per connect carries the previous wave's disconnects.
        cpu = ProcessCpu.Time(target.ProcessId);
        await DisconnectAsync(clients);
        var cpuPerDisconnectMs = CpuSince(cpu) / options.Devices;

        // The first connections above also compiled the server's connect path, and the runtime keeps recompiling hot
        // methods (tiered compilation) for a while after: connect everyone again, as to a server that has run for a
        // while, and report the last wave.
        var (warmConnectsPerSecond, warmCpuPerConnectMs, warmAllocatedKiB, warmFaultsPerConnect) = (0.0, 0.0, 0.0, 0.0);
        for (var wave = 2; wave <= options.Waves; wave++)
        {
            cpu = ProcessCpu.Time(target.ProcessId);
            gc = target.Gc;
            var faults = ProcessMemory.MinorFaults(target.ProcessId);
            clock.Restart();
            var again = await ConnectAsync(options.Devices);
            (warmConnectsPerSecond, warmCpuPerConnectMs) = (options.Devices / clock.Elapsed.TotalSeconds, CpuSince(cpu) / options.Devices);
            var waveGc = target.Gc - gc;
            warmAllocatedKiB = waveGc.AllocatedBytes / 1024.0 / options.Devices;
            warmFaultsPerConnect = (ProcessMemory.MinorFaults(target.ProcessId) - faults) / (double)options.Devices;
            await DisconnectAsync(again);

            progress($"{target.Name}: {options.Devices} connected again (wave {wave}) at {warmConnectsPerSecond:F0}/s, {warmCpuPerConnectMs:F2} ms CPU each, {warmAllocatedKiB:F1} KiB allocated each, {waveGc.Gen0}/{waveGc.Gen1}/{waveGc.Gen2} collections (gen0/1/2), {warmFaultsPerConnect:F1} page faults each");
        }
        return new TargetResult(
            target.Name, clients.Length, connectsPerSecond, warmConnectsPerSecond, kibPerConnection, burstRate,
            histogram.Percentile(50), histogram.Percentile(99), histogram.Percentile(99.9), lost, duplicated, outOfOrder,
            cpuPerConnectMs, warmCpuPerConnectMs, cpuPerDeliveryUs, burstCpuPerDeliveryUs, idleCpuMsPerSecond,
            warmAllocatedKiB, allocatedPerDelivery, pacedGc.Gen0, cpuPerDisconnectMs, warmFaultsPerConnect);
    }
}
