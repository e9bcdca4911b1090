using System.Globalization;
using StackExchange.Redis;

namespace Odin.LoadTest;

/// <summary>
/// Redis's own counters, as the benchmarks read them: a connection allowed to ask (<c>INFO</c> is an admin command
/// to StackExchange.Redis), the masters (one server, or each master of a Redis Cluster), and their CPU and bytes sent.
/// </summary>
internal static class RedisCounters
{
    /// <summary>A connection of the benchmark's own to <paramref name="configuration"/>, allowed to read <c>INFO</c>.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AllowAdmin = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>The masters now: the one server, or each master of a Redis Cluster.</summary>
    public static IReadOnlyList<IServer> Masters(IConnectionMultiplexer redis) => [.. redis.GetServers().Where(s => s.IsConnected && !s.IsReplica)];

    /// <summary>One <c>INFO</c> section of a server as name → value.</summary>
    public static async Task<Dictionary<string, string>> InfoAsync(IServer server, string? section = null) =>
        (await server.InfoAsync(section)).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Redis's own CPU time (<c>used_cpu_user + used_cpu_sys</c>) and bytes sent to clients, summed over the masters.</summary>
    public static async Task<(TimeSpan Cpu, long BytesOut)> TotalsAsync(IConnectionMultiplexer redis)
    {
        var (cpu, bytesOut) = (TimeSpan.Zero, 0L);
        foreach (var master in Masters(redis))
        {
            var info = await InfoAsync(master);
            cpu += TimeSpan.FromSeconds(double.Parse(info["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(info["used_cpu_sys"], CultureInfo.InvariantCulture));
            bytesOut += long.Parse(info["total_net_output_bytes"], CultureInfo.InvariantCulture);
        }

        return (cpu, bytesOut);
    }
}
