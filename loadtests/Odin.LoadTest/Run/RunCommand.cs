using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR.Client;
using Odin.LoadTest.Compare;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.LoadTest.Run;

/// <summary>
/// <c>run</c>: devices and writes against a running Odin at once, then one report. <c>devices</c> is the
/// same without writes (connect, hold, count); writes are file PUTs through the HTTP API, so the whole path
/// is measured: API, outbox, dispatcher, bus, gateway, device.
/// </summary>
public static class RunCommand
{
    public const string Usage =
        "run|devices --api URL --hub URL --admin-key KEY [--devices 500] [--rate 20 (writes/s)] [--seconds 20] [--gateway-pid PID ...] [--protocol json|msgpack] [--out run.json]";

    // NaN stands for "not measured" (no gateway PIDs given, no latency recorded).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> RunAsync(Arguments args, bool writes, CancellationToken cancellationToken)
    {
        var devices = int.Parse(args.Optional("devices", "500"), CultureInfo.InvariantCulture);
        var rate = writes ? double.Parse(args.Optional("rate", "20"), CultureInfo.InvariantCulture) : 0;
        var seconds = int.Parse(args.Optional("seconds", "20"), CultureInfo.InvariantCulture);
        var messagePack = args.Optional("protocol", "json") == "msgpack";
        var gatewayPids = args.All("gateway-pid").Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        var hub = args.Required("hub");

        // An identity, a drive and the devices, through the public API with the fixtures' client of it.
        var api = new OdinApi(new HttpClient { BaseAddress = new Uri(args.Required("api")) }, args.Required("admin-key"));
        var tenant = await api.CreateTenantAsync($"load-{Guid.NewGuid():N}.example");
        var drive = await tenant.CreateDriveAsync("load");
        var tokens = new string[devices];
        await Parallel.ForEachAsync(Enumerable.Range(0, devices), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, _) => tokens[i] = (await tenant.CreateDeviceAsync((drive, "read"))).AccessToken);
        Console.WriteLine($"identity {tenant.Domain}: drive {drive}, {devices} devices registered");
        var rssBefore = gatewayPids.Sum(ProcessMemory.Rss);
        var histogram = new LatencyHistogram();
        var clients = new HubClient[devices];
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, devices), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var accessToken = tokens[i];
                var connection = DeviceConnection.Build(hub, () => Task.FromResult<string?>(accessToken), messagePack, reconnect: true);
                var client = new HubClient(connection) { OnArrival = n => histogram.Record(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - n.At) };
                await connection.StartAsync(token);
                await connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = [drive] }, token);
                clients[i] = client;
            });

        var connectSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{devices} devices connected in {connectSeconds:F1} s ({devices / connectSeconds:F0}/s)");
        var memoryPerConnection = gatewayPids.Count == 0 ? double.NaN : (gatewayPids.Sum(ProcessMemory.Rss) - rssBefore) / 1024.0 / devices;

        var written = 0;
        clock.Restart();
        var nextProgress = TimeSpan.FromSeconds(1);
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds) && !cancellationToken.IsCancellationRequested)
        {
            if (rate > 0 && written < clock.Elapsed.TotalSeconds * rate)
            {
                await tenant.CreateFileAsync(drive, Guid.NewGuid());
                written++;
                continue;
            }

            if (clock.Elapsed >= nextProgress)
            {
                Console.WriteLine($"{clock.Elapsed.TotalSeconds,5:F0} s  written {written,7}  delivered {clients.Sum(c => (long)c.Received),10}  connected {clients.Count(c => c.IsConnected),6}");
                nextProgress += TimeSpan.FromSeconds(1);
            }

            await Task.Delay(rate > 0 ? TimeSpan.FromMilliseconds(Math.Min(100, 1000 / rate)) : TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        // Let the last writes arrive, then count.
        var drain = Stopwatch.StartNew();
        while (clients.Any(c => c.Received < written) && drain.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50, cancellationToken);
        }

        var duration = clock.Elapsed.TotalSeconds;
        var report = new
        {
            devices,
            connected = clients.Count(c => c.IsConnected),
            connectsPerSecond = devices / connectSeconds,
            gatewayKiBPerConnection = memoryPerConnection,
            written,
            deliveriesPerSecond = clients.Sum(c => (long)c.Received) / duration,
            p50Ms = histogram.Percentile(50),
            p99Ms = histogram.Percentile(99),
            p999Ms = histogram.Percentile(99.9),
            lost = clients.Sum(c => (long)Math.Max(0, written - c.Received)),
            duplicated = clients.Sum(c => (long)c.Duplicates),
            outOfOrder = clients.Sum(c => (long)c.OutOfOrder),
        };
        var json = JsonSerializer.Serialize(report, Indented);
        Console.WriteLine(json);
        await File.WriteAllTextAsync(args.Optional("out", "run.json"), json, cancellationToken);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        return report.lost == 0 && report.duplicated == 0 && report.outOfOrder == 0 ? 0 : 1;
    }
}
