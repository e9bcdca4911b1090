using System.Globalization;
using Odin.LoadTest.Compare;
using Odin.ClusterPrimitives.Notifications;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.LoadTest.Routing;

/// <summary>One round of <see cref="RoutingCommand"/>: G gateways, the identities placed on them, the notifications published and counted.</summary>
internal sealed class RoutingRound
{
    private readonly List<OdinGatewayTarget> _gateways = [];
    private readonly List<(Guid Tenant, int[] Gateways)> _identities = [];
    private readonly List<(HubClient Device, Guid Tenant)> _devices = [];

    private int GatewayCount => _gateways.Count;

    public double DeliveriesPerNotification { get; private set; }

    public double HoldingPerIdentity { get; private set; }

    public TimeSpan IdleCpuPer1000 { get; private set; }

    public TimeSpan DeliveringCpuPer1000 { get; private set; }

    public TimeSpan ConnectNewIdentity { get; private set; }

    public TimeSpan ConnectKnownIdentity { get; private set; }

    public string MasterShares { get; private set; } = "";

    /// <summary>Redis's own CPU (used_cpu_user + used_cpu_sys, all masters) per notification.</summary>
    public TimeSpan RedisCpuPerNotification { get; private set; }

    /// <summary>Bytes Redis sent to clients (total_net_output_bytes, all masters) per notification.</summary>
    public double RedisBytesOutPerNotification { get; private set; }

    public static async Task<RoutingRound> RunAsync(
        IConnectionMultiplexer redis, string configuration, int gateways, int identities, int notifications, string? gatewayDll, bool shardChannels,
        CancellationToken cancellationToken)
    {
        var round = new RoutingRound();
        try
        {
            await round.StartGatewaysAsync(redis, configuration, gateways, gatewayDll);
            await round.ConnectAsync(identities);
            await round.PublishAsync(redis, notifications, shardChannels, cancellationToken);
            return round;
        }
        finally
        {
            foreach (var (device, _) in round._devices)
            {
                await device.DisposeAsync();
            }

            foreach (var gateway in Enumerable.Reverse(round._gateways))
            {
                await gateway.DisposeAsync(); // the first owns the key folder the twins use
            }
        }
    }

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {GatewayCount} | {_devices.Count} | {DeliveriesPerNotification:F3} | {HoldingPerIdentity:F3} | {DeliveriesPerNotification / HoldingPerIdentity:F3} "
        + $"| {IdleCpuPer1000.TotalMilliseconds:F1} ms | {DeliveringCpuPer1000.TotalMilliseconds:F0} ms | {IdleCpuPer1000 / DeliveringCpuPer1000:P2} "
        + $"| {ConnectNewIdentity.TotalMicroseconds:F0} µs | {ConnectKnownIdentity.TotalMicroseconds:F0} µs | {MasterShares} "
        + $"| {RedisCpuPerNotification.TotalMicroseconds:F0} µs | {RedisBytesOutPerNotification:F0} |");

    private async Task StartGatewaysAsync(IConnectionMultiplexer redis, string configuration, int count, string? gatewayDll)
    {
        var first = new OdinGatewayTarget(redis) { GatewayDll = gatewayDll };
        _gateways.Add(first);
        _gateways.AddRange(Enumerable.Range(1, count - 1).Select(_ => first.Twin()));
        await Task.WhenAll(_gateways.Select(g => g.StartAsync(configuration)));
    }

    /// <summary>
    /// Identity k's devices sit on gateway k mod (G − 1), and odd identities' also on the next one (when there is
    /// one): one or two gateways each, the last gateway none. Gateway 0 is measured: first a device of each identity
    /// (each identity new there), then a second device of each (its identity subscribed there already).
    /// </summary>
    private async Task ConnectAsync(int identities)
    {
        var holders = GatewayCount - 1;
        for (var k = 0; k < identities; k++)
        {
            int[] on = k % 2 == 1 && holders > 1 ? [k % holders, (k + 1) % holders] : [k % holders];
            _identities.Add((Guid.NewGuid(), on));
        }

        var token = _gateways[0];
        await WarmUpAsync();
        var onFirst = _identities.Where(i => i.Gateways.Contains(0)).ToList();
        ConnectNewIdentity = await TimedConnectsAsync(onFirst.Select(i => (i.Tenant, 0)).ToList());
        ConnectKnownIdentity = await TimedConnectsAsync(onFirst.Select(i => (i.Tenant, 0)).ToList());
        var rest = _identities.SelectMany(i => i.Gateways.SelectMany(g => Enumerable.Repeat((i.Tenant, g), g == 0 ? 0 : RoutingCommand.DevicesPerGateway))).ToList();
        foreach (var chunk in rest.Chunk(32))
        {
            _devices.AddRange(await Task.WhenAll(chunk.Select(async d => (await _gateways[d.g].ConnectAsync(token.TokenFor(d.Tenant), messagePack: true), d.Tenant))));
        }

        HoldingPerIdentity = _identities.Average(i => i.Gateways.Length);
    }

    /// <summary>Connects and drops devices of a throwaway identity on gateway 0, so that what is measured is not its start-up (JIT, first allocations).</summary>
    private async Task WarmUpAsync()
    {
        var warmUp = Guid.NewGuid();
        for (var i = 0; i < 50; i++)
        {
            await using var device = await _gateways[0].ConnectAsync(_gateways[0].TokenFor(i % 2 == 0 ? warmUp : Guid.NewGuid()), messagePack: true);
        }
    }

    /// <summary>Connects (and subscribes) the devices one after another; returns gateway 0's CPU per connect.</summary>
    private async Task<TimeSpan> TimedConnectsAsync(List<(Guid Tenant, int Gateway)> devices)
    {
        var tokens = devices.Select(d => (Token: _gateways[0].TokenFor(d.Tenant), d.Tenant)).ToList(); // minted before the clock
        var pid = _gateways[0].ProcessId;
        var before = ProcessCpu.Time(pid);
        foreach (var (token, tenant) in tokens)
        {
            _devices.Add((await _gateways[0].ConnectAsync(token, messagePack: true), tenant));
        }

        return (ProcessCpu.Time(pid) - before) / devices.Count;
    }

    private async Task PublishAsync(IConnectionMultiplexer redis, int notifications, bool shardChannels, CancellationToken cancellationToken)
    {
        var names = new RedisNames(OdinGatewayTarget.BenchChannelPrefix);
        var bus = new RedisNotificationBus(redis, names, new RedisNotificationHistory(
            redis, names, Microsoft.Extensions.Options.Options.Create(new HistoryOptions()), TimeProvider.System));
        var perIdentity = notifications / _identities.Count;
        var appendsBefore = await AppendsByMasterAsync(redis);
        var (redisCpuBefore, redisOutBefore) = await RedisCounters.TotalsAsync(redis);
        var cpuBefore = _gateways.Select(g => ProcessCpu.Time(g.ProcessId)).ToList();
        long delivered = 0;
        // Each identity's notifications in seq order, the identities side by side, as the dispatchers publish them.
        await Parallel.ForEachAsync(_identities, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (identity, _) =>
        {
            for (var seq = 1; seq <= perIdentity; seq++)
            {
                var envelope = new NotificationEnvelope
                {
                    Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileAdded, TenantId = identity.Tenant, DriveId = _gateways[0].Drive,
                    FileId = Guid.NewGuid(), VersionTag = "v", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                };
                var receivers = shardChannels
                    ? await redis.GetSubscriber().PublishAsync(
                        RedisChannel.Literal($"{names.Prefix}:notify:{LegacyShardOf(identity.Tenant)}"), NotificationWire.Write(envelope))
                    : await bus.PublishCountedAsync(envelope);
                Interlocked.Add(ref delivered, receivers);
            }
        });

        var expected = perIdentity;
        await Waiting.UntilAsync(() => _devices.All(d => d.Device.Received >= expected), TimeSpan.FromSeconds(300));
        if (_devices.Any(d => d.Device.Received != expected || d.Device.Duplicates > 0 || d.Device.OutOfOrder > 0))
        {
            throw new InvalidOperationException($"{_devices.Count(d => d.Device.Received != expected)} of {_devices.Count} devices did not get exactly their {expected} notifications in order.");
        }
        var cpu = _gateways.Select((g, i) => ProcessCpu.Time(g.ProcessId) - cpuBefore[i]).ToList();
        var total = perIdentity * _identities.Count;
        DeliveriesPerNotification = (double)delivered / total;
        IdleCpuPer1000 = cpu[^1] * 1000 / total;
        var onFirst = perIdentity * _identities.Count(i => i.Gateways.Contains(0));
        DeliveringCpuPer1000 = cpu[0] * 1000 / onFirst;
        var (redisCpu, redisOut) = await RedisCounters.TotalsAsync(redis);
        RedisCpuPerNotification = (redisCpu - redisCpuBefore) / total;
        RedisBytesOutPerNotification = (double)(redisOut - redisOutBefore) / total;
        var appends = (await AppendsByMasterAsync(redis)).Select(a => a.Value - appendsBefore.GetValueOrDefault(a.Key)).ToList();
        MasterShares = string.Join(" / ", appends.Select(a => ((double)a / appends.Sum()).ToString("P0", CultureInfo.InvariantCulture)));
    }

    /// <summary>The channel an older gateway heard an identity on: one of 16, by the first 32 bits of its id.</summary>
    private static uint LegacyShardOf(Guid tenant) => BitConverter.ToUInt32(tenant.ToByteArray(), 0) % 16;

    /// <summary>Script runs (the append-and-publish) and SPUBLISH/PUBLISH calls per master, from <c>INFO commandstats</c>.</summary>
    private static async Task<Dictionary<string, long>> AppendsByMasterAsync(IConnectionMultiplexer redis)
    {
        var byMaster = new Dictionary<string, long>();
        foreach (var master in RedisCounters.Masters(redis))
        {
            var stats = await RedisCounters.InfoAsync(master, "commandstats");
            long Calls(string command) => stats.TryGetValue($"cmdstat_{command}", out var line)
                ? long.Parse(line.Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture)
                : 0;
            byMaster[master.EndPoint.ToString()!] = Calls("eval") + Calls("evalsha") + Calls("spublish") + Calls("publish");
        }

        return byMaster;
    }
}
