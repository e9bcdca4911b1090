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
internal sealed record ScenarioOptions(int Devices, int BurstMessages, int PacedDeliveriesPerSecond, int PacedSeconds, bool MessagePack, int ConnectConcurrency, int Identities = 1, int Waves = 2)
{
    /// <summary>The devices each notification reaches.</summary>
    public int DevicesPerIdentity => Devices / Identities;
}

/// <summary>What one target achieved.</summary>
/// <param name="CpuPerConnectMs">The server process's own CPU (utime + stime) per connect, first wave.</param>
/// <param name="WarmCpuPerConnectMs">The same, second wave (a server that has run for a while).</param>
/// <param name="CpuPerDeliveryUs">The server process's own CPU per delivery in the paced phase.</param>
/// <param name="BurstCpuPerDeliveryUs">The same in the burst phase (every device gets the burst at once).</param>
internal sealed record TargetResult(
    string Target, int Connected, double ConnectsPerSecond, double WarmConnectsPerSecond, double IdleKiBPerConnection, double BurstDeliveriesPerSecond,
    double P50Ms, double P99Ms, double P999Ms, long Lost, long Duplicated, long OutOfOrder,
    double CpuPerConnectMs, double WarmCpuPerConnectMs, double CpuPerDeliveryUs, double BurstCpuPerDeliveryUs);

internal static class Scenario
{
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

        // Each identity numbers its own notifications, as Odin does; the publishing goes round the identities.
        var seqs = new long[options.Identities];
        var published = 0L;
        Task PublishNextAsync()
        {
            var identity = (int)(published++ % options.Identities);
            return target.PublishAsync(identity, Next(++seqs[identity]));
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

        // Paced: a steady rate of deliveries, latency of each.
        var histogram = new LatencyHistogram();
        foreach (var client in clients)
        {
            client.OnLatency = histogram.Record;
        }

        // Every identity gets the same number of paced messages, so each device expects the same count.
        var messagesPerSecond = Math.Max(1.0, (double)options.PacedDeliveriesPerSecond / options.DevicesPerIdentity);
        var pacedPerIdentity = Math.Max(1, (int)(messagesPerSecond * options.PacedSeconds / options.Identities));
        var pacedMessages = pacedPerIdentity * options.Identities;
        cpu = ProcessCpu.Time(target.ProcessId);
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
        var lost = clients.Sum(c => Math.Max(0, expected - c.Received));
        var (duplicated, outOfOrder) = (clients.Sum(c => (long)c.Duplicates), clients.Sum(c => (long)c.OutOfOrder));
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        // The first connections above also compiled the server's connect path, and the runtime keeps recompiling hot
        // methods (tiered compilation) for a while after: connect everyone again, as to a server that has run for a
        // while, and report the last wave.
        var (warmConnectsPerSecond, warmCpuPerConnectMs) = (0.0, 0.0);
        for (var wave = 2; wave <= options.Waves; wave++)
        {
            cpu = ProcessCpu.Time(target.ProcessId);
            clock.Restart();
            var again = await ConnectAsync(options.Devices);
            (warmConnectsPerSecond, warmCpuPerConnectMs) = (options.Devices / clock.Elapsed.TotalSeconds, CpuSince(cpu) / options.Devices);
            foreach (var client in again)
            {
                await client.DisposeAsync();
            }

            progress($"{target.Name}: {options.Devices} connected again (wave {wave}) at {warmConnectsPerSecond:F0}/s, {warmCpuPerConnectMs:F2} ms CPU each");
        }
        return new TargetResult(
            target.Name, clients.Length, connectsPerSecond, warmConnectsPerSecond, kibPerConnection, burstRate,
            histogram.Percentile(50), histogram.Percentile(99), histogram.Percentile(99.9), lost, duplicated, outOfOrder,
            cpuPerConnectMs, warmCpuPerConnectMs, cpuPerDeliveryUs, burstCpuPerDeliveryUs);
    }
}
