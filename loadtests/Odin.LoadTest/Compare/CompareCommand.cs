using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;
using Odin.Testing;

namespace Odin.LoadTest.Compare;

/// <summary>
/// <c>compare</c>: the same scenario, in one run, against (a) raw Kestrel WebSockets, (b) a plain SignalR hub
/// with the Redis backplane, (c) the Odin gateway; prints one table with the ratios, writes it as JSON too.
/// It starts its own redis-server and the three servers, one at a time, on loopback.
/// </summary>
public static class CompareCommand
{
    public const string Usage =
        "compare [--devices 1000] [--identities 1] [--waves 2] [--burst 20] [--rate 20000] [--seconds 10] [--protocol json|msgpack] [--rounds 1] [--idle-seconds 10] [--history on|both] [--server-env NAME=VALUE]... [--gateway-env NAME=VALUE]... [--out compare.json]";

    // NaN stands for "not measured" (no gateway PIDs given, no latency recorded).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var options = new ScenarioOptions(
            Devices: int.Parse(args.Optional("devices", "1000"), CultureInfo.InvariantCulture),
            BurstMessages: int.Parse(args.Optional("burst", "20"), CultureInfo.InvariantCulture),
            PacedDeliveriesPerSecond: int.Parse(args.Optional("rate", "20000"), CultureInfo.InvariantCulture),
            PacedSeconds: int.Parse(args.Optional("seconds", "10"), CultureInfo.InvariantCulture),
            MessagePack: args.Optional("protocol", "json") == "msgpack",
            ConnectConcurrency: 64,
            Identities: int.Parse(args.Optional("identities", "1"), CultureInfo.InvariantCulture),
            Waves: Math.Max(2, int.Parse(args.Optional("waves", "2"), CultureInfo.InvariantCulture)),
            IdleSeconds: int.Parse(args.Optional("idle-seconds", "10"), CultureInfo.InvariantCulture));
        if (options.Identities < 1 || options.Devices % options.Identities != 0)
        {
            Console.Error.WriteLine($"--identities must be at least 1 and divide --devices ({options.Devices}) evenly: every identity holds as many devices.");
            return 2;
        }

        var rounds = int.Parse(args.Optional("rounds", "1"), CultureInfo.InvariantCulture);
        var output = args.Optional("out", "compare.json");
        // "both": the Odin gateway once with its notification history and once without, to price the history.
        var historyBoth = args.Optional("history", "on") == "both";
        // Settings for every server (--server-env, e.g. a runtime setting priced on all alike) and for the Odin gateway
        // only (--gateway-env, e.g. DOTNET_gcServer=0 against the same baselines; it wins over --server-env).
        var serverEnvironment = args.Environment("server-env");
        var gatewayEnvironment = new Dictionary<string, string>(serverEnvironment);
        foreach (var (name, value) in args.Environment("gateway-env"))
        {
            gatewayEnvironment[name] = value;
        }

        await using var redis = await RedisServer.StartNewAsync();
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var results = new List<TargetResult>();
        // Alternate the targets round by round, so a noisy moment on a shared machine hits all of them alike.
        for (var round = 1; round <= rounds; round++)
        {
            var targets = new List<Func<BenchTarget>>
            {
                () => new RawTarget(multiplexer) { Environment = serverEnvironment },
                () => new PlainSignalRTarget(redis.ConnectionString) { Environment = serverEnvironment },
                () => new OdinGatewayTarget(multiplexer) { Environment = gatewayEnvironment },
            };
            if (historyBoth)
            {
                targets.Add(() => new OdinGatewayTarget(multiplexer, history: false) { Environment = gatewayEnvironment });
            }

            foreach (var make in targets)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var target = make();
                await target.StartAsync(redis.ConnectionString);
                results.Add(await Scenario.RunAsync(target, options, line => Console.WriteLine($"  round {round}: {line}")));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Report.Rounds(results, results.Count / rounds));
        Console.WriteLine(Report.Table(results, options));
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { options, results }, Indented), cancellationToken);
        Console.WriteLine($"written: {output}");
        return results.All(r => r.Lost == 0 && r.Duplicated == 0 && r.OutOfOrder == 0) ? 0 : 1;
    }
}
