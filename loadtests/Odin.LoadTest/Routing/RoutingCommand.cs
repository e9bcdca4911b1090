using System.Globalization;
using StackExchange.Redis;
using Odin.Testing;

namespace Odin.LoadTest.Routing;

/// <summary>
/// <c>routing</c>: what a notification costs Redis and the gateways as gateways are added. For each gateway count G it
/// starts G gateway processes, puts each identity's devices on one or two of the first G − 1 (the last holds none),
/// publishes notifications as the dispatchers do and reports, from Redis's own counts, the messages Redis delivered
/// to gateways per notification against the gateways that hold the identity's devices; the CPU (utime + stime from
/// <c>/proc</c>) per 1000 notifications of the gateway holding none against one that delivers them; each Redis
/// master's share of the appends, and Redis's own CPU and bytes sent per notification; and the gateway's CPU per
/// connect of a new identity and of one already subscribed.
/// </summary>
public static class RoutingCommand
{
    public const string Usage =
        "routing [--gateways 2,4,8] [--identities 100] [--notifications 20000] [--redis CONFIG (a Redis Cluster too)] [--gateway-dll PATH --channels shard (an older build)]";

    /// <summary>Devices each holding gateway has of one identity: Redis must deliver once per gateway, not per device.</summary>
    internal const int DevicesPerGateway = 2;

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var counts = args.Optional("gateways", "2,4,8").Split(',').Select(g => int.Parse(g, CultureInfo.InvariantCulture)).ToList();
        var identities = int.Parse(args.Optional("identities", "100"), CultureInfo.InvariantCulture);
        var notifications = int.Parse(args.Optional("notifications", "20000"), CultureInfo.InvariantCulture);
        var gatewayDll = args.All("gateway-dll").FirstOrDefault();
        // "shard": an older gateway build heard the 16 shard channels; its notifications are published there (PUBLISH) instead.
        var shardChannels = args.Optional("channels", "identity") switch
        {
            "identity" => false,
            "shard" => true,
            var other => throw new ArgumentException($"--channels {other}: expected identity or shard."),
        };
        if (counts.Any(g => g < 2))
        {
            throw new ArgumentException("--gateways: each count must be at least 2 (the last gateway of each round holds no device).");
        }

        await using var local = args.All("redis").Any() ? null : await RedisServer.StartNewAsync();
        var configuration = args.All("redis").FirstOrDefault() ?? local!.ConnectionString;
        using var redis = await RedisCounters.ConnectAsync(configuration);
        Console.WriteLine($"Redis: {(redis.GetServers().Length > 1 ? $"a Redis Cluster of {RedisCounters.Masters(redis).Count} masters" : "one server")}; "
            + $"gateway build: {gatewayDll ?? "this repository's"}; {identities} identities, {DevicesPerGateway} devices per holding gateway, {notifications} notifications a round");
        Console.WriteLine();
        Console.WriteLine("| gateways | devices | Redis deliveries per notification (Redis's count) | gateways holding the identity (mean) | ratio | CPU per 1000 notifications: gateway holding none | : a delivering gateway | none / delivering | CPU per connect: new identity | : identity already here | masters' shares of the appends | Redis CPU per notification | Redis bytes out per notification |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        foreach (var gateways in counts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var round = await RoutingRound.RunAsync(redis, configuration, gateways, identities, notifications, gatewayDll, shardChannels, cancellationToken);
            Console.WriteLine(round.Row());
        }

        return 0;
    }
}
