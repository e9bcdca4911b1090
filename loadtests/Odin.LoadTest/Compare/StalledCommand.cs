using System.Globalization;
using System.Text.Json;
using Odin.Contracts;
using StackExchange.Redis;
using Odin.Testing;

namespace Odin.LoadTest.Compare;

/// <summary>
/// <c>stalled</c>: one device of a group stops reading; does everyone else still get their notifications? Against
/// a plain SignalR hub on the Redis backplane (<c>RedisHubLifetimeManager</c>) and the Odin gateway, side by side:
/// a reading device and a stalled one (4 KiB socket buffer, never reads) in one group, messages published in runs of
/// 100, each run once the reading device has the one before, or until it gets nothing for 10 s. Counts, not rates.
/// </summary>
public static class StalledCommand
{
    public const string Usage = "stalled [--messages 2500] [--size 4096]";

    /// <summary>How long the reading device may get nothing before the server counts as held up.</summary>
    private static readonly TimeSpan HeldUp = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var messages = int.Parse(args.Optional("messages", "2500"), CultureInfo.InvariantCulture);
        var size = int.Parse(args.Optional("size", "4096"), CultureInfo.InvariantCulture);
        await using var redis = await RedisServer.StartNewAsync();
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Console.WriteLine($"| server | published ({size}-byte messages) | the reading device received | held up by the stalled device | server memory growth |");
        Console.WriteLine("|---|---:|---:|---|---:|");
        var failures = 0;
        foreach (var make in new Func<BenchTarget>[] { () => new PlainSignalRTarget(redis.ConnectionString), () => new OdinGatewayTarget(multiplexer) })
        {
            await using var target = make();
            await target.StartAsync(redis.ConnectionString);
            target.Prepare(1);
            await using var reading = await target.ConnectAsync(0, messagePack: false);
            using var stalled = await target.ConnectStalledAsync();
            var rss = ProcessMemory.Rss(target.ProcessId);
            var (published, heldUp) = await PublishAsync(target, reading, messages, size, cancellationToken);
            Console.WriteLine($"| {target.Name} | {published} | {reading.Received} | {(heldUp ? $"yes: nothing for {HeldUp.TotalSeconds:F0} s" : "no")} "
                + $"| {(ProcessMemory.Rss(target.ProcessId) - rss) / 1048576.0:F0} MiB |");
            failures += target is OdinGatewayTarget && (heldUp || reading.Received != messages) ? 1 : 0;
        }

        return failures == 0 ? 0 : 1; // the Odin gateway must never be held up by one device
    }

    private static async Task<(int Published, bool HeldUp)> PublishAsync(BenchTarget target, BenchClient reading, int messages, int size, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(new { padding = new string('x', size) });
        for (var seq = 1; seq <= messages; seq++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await target.PublishAsync(0, new NotificationEnvelope
            {
                Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileAdded, TenantId = Guid.Empty, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Data = data,
            });
            if (seq % 100 == 0 || seq == messages)
            {
                var run = seq;
                await Waiting.UntilAsync(() => reading.Received >= run, HeldUp);
                if (reading.Received < run)
                {
                    return (seq, true);
                }
            }
        }

        return (messages, false);
    }
}
