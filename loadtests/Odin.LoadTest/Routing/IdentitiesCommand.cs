using System.Globalization;
using Odin.LoadTest.Compare;
using Odin.ClusterPrimitives.Notifications;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;
using Odin.Testing;

namespace Odin.LoadTest.Routing;

/// <summary>
/// <c>identities</c>: what an identity costs apart from its devices, for the capacity model (docs/capacity.md). A
/// gateway holding N devices of one identity against a fresh gateway holding N devices of N identities (each a
/// subscription of its own on the gateway and in Redis): resident memory per connection and Redis's
/// <c>used_memory</c>; then the Redis memory of one identity's history of 1000 notifications (<c>MEMORY USAGE</c>).
/// </summary>
public static class IdentitiesCommand
{
    public const string Usage = "identities [--devices 2000] [--gateway-dll PATH (an older build)] [--hold SECONDS (to take a dotnet-gcdump of each gateway)]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var devices = int.Parse(args.Optional("devices", "2000"), CultureInfo.InvariantCulture);
        var gatewayDll = args.All("gateway-dll").FirstOrDefault();
        var hold = TimeSpan.FromSeconds(int.Parse(args.Optional("hold", "0"), CultureInfo.InvariantCulture));
        await using var local = await RedisServer.StartNewAsync();
        using var redis = await RedisCounters.ConnectAsync(local.ConnectionString);
        var server = redis.GetServers()[0];

        Console.WriteLine($"| {devices} devices on one gateway | gateway resident memory per connection | Redis used_memory per connection |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (label, identities) in new[] { ("of one identity", 1), ($"of {devices} identities", devices) })
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var gateway = new OdinGatewayTarget(redis) { GatewayDll = gatewayDll };
            await gateway.StartAsync(local.ConnectionString);
            var tenants = Enumerable.Range(0, identities).Select(_ => Guid.NewGuid()).ToList();
            var tokens = Enumerable.Range(0, devices).Select(i => gateway.TokenFor(tenants[i % identities])).ToList();
            var (rss, used) = (ProcessMemory.Rss(gateway.ProcessId), await UsedMemoryAsync(server));
            var clients = new List<HubClient>();
            foreach (var chunk in tokens.Chunk(32))
            {
                clients.AddRange(await Task.WhenAll(chunk.Select(token => gateway.ConnectAsync(token, messagePack: true))));
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // as compare does: let the connect wave's garbage go
            Console.WriteLine($"| {label} | {(ProcessMemory.Rss(gateway.ProcessId) - rss) / 1024.0 / devices:F1} KiB | {(await UsedMemoryAsync(server) - used) / (double)devices:F0} B |");
            if (hold > TimeSpan.Zero)
            {
                Console.WriteLine($"(holding for {hold.TotalSeconds:F0} s: the gateway is process {gateway.ProcessId})");
                await Task.Delay(hold, cancellationToken);
            }
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        // One identity's history at its default length, of notifications the size the benchmarks publish.
        var names = new RedisNames("odin-capacity");
        var bus = new RedisNotificationBus(redis, names, new RedisNotificationHistory(redis, names, Microsoft.Extensions.Options.Options.Create(new HistoryOptions()), TimeProvider.System));
        var tenant = Guid.NewGuid();
        var envelopeBytes = 0;
        for (var seq = 1; seq <= 1000; seq++)
        {
            var envelope = new NotificationEnvelope
            {
                Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileModified, TenantId = tenant, DriveId = Guid.NewGuid(), FileId = Guid.NewGuid(),
                VersionTag = Guid.NewGuid().ToString("N"), At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            envelopeBytes = NotificationWire.Write(envelope).Length;
            await bus.PublishAsync(envelope);
        }

        var history = (long)(await redis.GetDatabase().ExecuteAsync("MEMORY", "USAGE", names.History(tenant), "SAMPLES", "0"));
        Console.WriteLine();
        Console.WriteLine($"history of 1000 notifications ({envelopeBytes}-byte envelopes): {history / 1024.0:F0} KiB in Redis, {history / 1000.0:F0} B per notification");
        return 0;
    }

    private static async Task<long> UsedMemoryAsync(IServer server) =>
        long.Parse((await RedisCounters.InfoAsync(server, "memory"))["used_memory"], CultureInfo.InvariantCulture);
}
