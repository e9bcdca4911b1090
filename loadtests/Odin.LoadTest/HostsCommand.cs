using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Odin.LoadTest;

/// <summary>
/// <c>hosts</c>: what hostile Host headers cost a running Odin.Hosting (its process id given, on this machine).
/// Three phases, each measured as the server's own CPU per request and resident memory: one unknown host asked
/// again and again (the memo answers), N distinct unknown hosts of the longest form a domain can take (one
/// query each, each remembered in the bounded memo), and Host headers of 15 001 labels (refused with 400).
/// </summary>
public static class HostsCommand
{
    public const string Usage = "hosts --api http://127.0.0.1:5000 --pid PID [--hosts 100000] [--oversized 2000] [--concurrency 16]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var api = new Uri(args.Required("api"));
        var pid = int.Parse(args.Required("pid"), CultureInfo.InvariantCulture);
        var distinct = int.Parse(args.Optional("hosts", "100000"), CultureInfo.InvariantCulture);
        var oversized = int.Parse(args.Optional("oversized", "2000"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(args.Optional("concurrency", "16"), CultureInfo.InvariantCulture);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = api };

        var run = Guid.NewGuid().ToString("N")[..8];
        var longest = string.Join('.', Enumerable.Repeat("abcdefg", 28)); // 223 characters of labels; the suffix makes ≤ 253
        var phases = new (string Name, int Count, Func<int, string> Host, HttpStatusCode Expected)[]
        {
            ("one unknown host, repeated", distinct / 10, _ => $"same-{run}.bench.example", HttpStatusCode.NotFound),
            ($"{distinct} distinct unknown hosts (~250 characters)", distinct, i => $"{longest}.h{i}-{run}.bench.example", HttpStatusCode.NotFound),
            ("15 001-label Host headers (30 002 characters)", oversized, _ => string.Join('.', Enumerable.Repeat("a", 15_001)) + "x", HttpStatusCode.BadRequest),
        };

        var unexpected = 0;
        var rss = ProcessMemory.Rss(pid);
        Console.WriteLine($"server resident memory before: {rss / 1048576.0:F0} MiB");
        Console.WriteLine("| phase | requests | answered as expected | server CPU per request | resident memory after | change | wall-clock rate (shown, not a target) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, count, host, expected) in phases)
        {
            var cpu = ProcessCpu.Time(pid);
            var ok = 0;
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/odin/identity-key");
                request.Headers.TryAddWithoutValidation("Host", host(i));
                using var response = await http.SendAsync(request, ct);
                if (response.StatusCode == expected)
                {
                    Interlocked.Increment(ref ok);
                }
            });
            var spent = ProcessCpu.Time(pid) - cpu;
            var after = ProcessMemory.Rss(pid);
            Console.WriteLine($"| {name} | {count} | {ok} | {spent.TotalMicroseconds / count:F0} µs | {after / 1048576.0:F0} MiB | {(after - rss) / 1048576.0:+0;-0} MiB |"
                + $" {count / clock.Elapsed.TotalSeconds:F0}/s |");
            rss = after;
            unexpected += count - ok;
        }

        // Non-zero when any answer was not the one expected (a 400 for an oversized host, a 404 for an unknown one).
        return unexpected == 0 ? 0 : 1;
    }
}
