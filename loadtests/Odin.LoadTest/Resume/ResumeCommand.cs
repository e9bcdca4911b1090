using System.Diagnostics;
using System.Globalization;
using Odin.LoadTest.Compare;
using Odin.Contracts;
using StackExchange.Redis;
using Odin.Testing;

namespace Odin.LoadTest.Resume;

/// <summary>
/// <c>resume</c>: how long N devices take to reconnect and resume after their gateway is killed. Two Odin
/// gateways on one Redis; N devices connect to the first (the time this takes is the baseline) while
/// notifications are published at a steady rate; the first gateway is killed (-9); every device connects to the
/// second and resumes from its last seq. Reports the time until the last device resumed, per-device
/// percentiles, and whether every device then has every notification exactly once, in order.
/// </summary>
public static class ResumeCommand
{
    public const string Usage = "resume [--devices 5000] [--rate 2] [--jitter-ms 0] [--protocol json|msgpack] [--gateway-env NAME=VALUE]...";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var count = int.Parse(args.Optional("devices", "5000"), CultureInfo.InvariantCulture);
        var perSecond = double.Parse(args.Optional("rate", "2"), CultureInfo.InvariantCulture);
        var jitter = TimeSpan.FromMilliseconds(int.Parse(args.Optional("jitter-ms", "0"), CultureInfo.InvariantCulture));
        var messagePack = args.Optional("protocol", "json") == "msgpack";
        // Thousands of devices coming back at once queue thousands of continuations in this one process: without
        // threads at hand, the thread pool grows one thread at a time and the driver (its publisher's Redis calls
        // timed out at 15 000 devices) rather than the gateway becomes what is measured.
        ThreadPool.GetMinThreads(out var workers, out var completions);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), completions);

        await using var redis = await RedisServer.StartNewAsync();
        // The publisher shares two cores with thousands of reconnecting devices: its answers can wait longer than 5 s.
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},asyncTimeout=60000");
        // Both gateways get --gateway-env (a setting priced side by side; the driver keeps its own environment).
        await using var first = new OdinGatewayTarget(multiplexer) { Environment = args.Environment("gateway-env") };
        first.Prepare(count);
        await using var second = first.Twin();
        await Task.WhenAll(first.StartAsync(redis.ConnectionString), second.StartAsync(redis.ConnectionString));

        var devices = Enumerable.Range(0, count).Select(i => new ResumingDevice(first.Token(i), first.Drive, messagePack)).ToArray();
        // The gateway's own figures at this size: CPU per connect (/proc, utime + stime) and resident memory per connection.
        var (rssBefore, cpuBefore) = (ProcessMemory.Rss(first.ProcessId), ProcessCpu.Time(first.ProcessId));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (device, _) => await device.ConnectAsync(first.HubUrl));

        var connectTime = clock.Elapsed;
        var cpuPerConnectMs = (ProcessCpu.Time(first.ProcessId) - cpuBefore).TotalMilliseconds / count;
        Console.WriteLine($"{count} devices connected to gateway 1 in {connectTime.TotalSeconds:F2} s ({count / connectTime.TotalSeconds:F0}/s)");
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // settled, as compare measures idle memory
        var kibPerConnection = (ProcessMemory.Rss(first.ProcessId) - rssBefore) / 1024.0 / count;

        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var published = 0L;
        var publisher = PublishAsync(first, perSecond, () => Interlocked.Increment(ref published), publishing.Token);
        await Waiting.UntilAsync(() => devices.All(d => d.LastSeq >= 5), TimeSpan.FromSeconds(30)); // live traffic flowing everywhere

        var sinceKill = new Stopwatch();
        foreach (var device in devices)
        {
            device.MoveOnClose(second.HubUrl, sinceKill, jitter);
        }

        var (secondCpu, driverCpu) = (ProcessCpu.Time(second.ProcessId), ProcessCpu.Time(Environment.ProcessId));
        sinceKill.Start();
        first.Kill();
        Console.WriteLine($"gateway 1 killed at seq {Interlocked.Read(ref published)}");
        await Waiting.UntilAsync(() => devices.All(d => d.ResumedAfter is not null), TimeSpan.FromMinutes(3));
        var resumed = devices.Where(d => d.ResumedAfter is not null).Select(d => d.ResumedAfter!.Value.TotalMilliseconds).Order().ToArray();
        var allResumed = resumed.Length == count ? TimeSpan.FromMilliseconds(resumed[^1]) : (TimeSpan?)null;
        var cpuPerResumeMs = (ProcessCpu.Time(second.ProcessId) - secondCpu).TotalMilliseconds / count;
        var driverCpuPerResumeMs = (ProcessCpu.Time(Environment.ProcessId) - driverCpu).TotalMilliseconds / count;

        // Keep publishing a little, stop, and let every device catch up.
        var atResume = Interlocked.Read(ref published);
        await Waiting.UntilAsync(() => Interlocked.Read(ref published) >= atResume + (long)Math.Ceiling(perSecond * 2), TimeSpan.FromSeconds(30));
        await publishing.CancelAsync();
        await publisher;
        var last = Interlocked.Read(ref published);
        await Waiting.UntilAsync(() => devices.All(d => d.LastSeq >= last), TimeSpan.FromSeconds(60));

        Console.WriteLine();
        Console.WriteLine($"| {count} devices, {(messagePack ? "MessagePack" : "JSON")}, {perSecond}/s published | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| connect + subscribe, all devices (baseline) | {connectTime.TotalSeconds:F2} s |");
        Console.WriteLine($"| gateway 1: CPU per connect / resident KiB per connection | {cpuPerConnectMs:F2} ms / {kibPerConnection:F1} KiB |");
        Console.WriteLine($"| gateway 2: CPU per resume (storm); the driver's, on the same cores | {cpuPerResumeMs:F2} ms; {driverCpuPerResumeMs:F2} ms |");
        Console.WriteLine($"| kill → every device reconnected and resumed | {(allResumed is { } t ? $"{t.TotalSeconds:F2} s" : $"{resumed.Length} of {count} only")} |");
        Console.WriteLine($"| resume / connect | {(allResumed is { } r ? $"{r / connectTime:F2}" : "—")} |");
        Console.WriteLine($"| per device p50 / p99 | {Percentile(resumed, 50):F0} / {Percentile(resumed, 99):F0} ms |");
        Console.WriteLine($"| recovered from the history | {devices.Count(d => d.Recovered)} of {count} |");
        Console.WriteLine($"| connect attempts per device, most | {devices.Max(d => d.Attempts)} |");
        Console.WriteLine($"| notifications published | {last} |");
        Console.WriteLine($"| devices missing any at the end | {devices.Count(d => d.LastSeq < last)} |");
        Console.WriteLine($"| gaps (lost) / repeats dropped | {devices.Sum(d => d.Gaps)} / {devices.Sum(d => d.Repeats)} |");

        foreach (var device in devices)
        {
            await device.DisposeAsync();
        }

        return allResumed is not null && devices.All(d => d.LastSeq >= last && d.Gaps == 0) ? 0 : 1;
    }

    private static async Task PublishAsync(OdinGatewayTarget target, double perSecond, Func<long> next, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / perSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var seq = next();
                await target.PublishAsync(0, new NotificationEnvelope
                {
                    Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileModified, TenantId = Guid.Empty, DriveId = Guid.Empty,
                    FileId = Guid.NewGuid(), VersionTag = "0123456789abcdef0123456789abcdef", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                });
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    private static double Percentile(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1)];
}
