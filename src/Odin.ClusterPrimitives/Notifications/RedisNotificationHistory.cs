using Microsoft.Extensions.Options;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>
/// The cluster's history: a Redis stream per identity (<see cref="RedisNames.History"/>), entry id = seq, trimmed
/// to <see cref="HistoryOptions.MaxLength"/> (exactly: trimmed at each entry, so the bound is what it says), with an epoch key beside it; both expire when the identity
/// is idle for <see cref="HistoryOptions.MaxAge"/>. <see cref="RedisNotificationBus"/> appends and publishes in
/// one script, so a notification is in the history before any gateway can see it live. The keys and the channel
/// share the identity's hash tag: on a Redis Cluster the script runs on the one shard that owns them.
/// </summary>
public sealed class RedisNotificationHistory(IConnectionMultiplexer redis, RedisNames names, IOptions<HistoryOptions> options, TimeProvider time)
    : INotificationHistory
{
    private const string Field = "m";

    /// <summary>
    /// KEYS: stream, epoch. ARGV: history on (1/0), max length, ttl ms, channel, epoch if none, then seq and payload of
    /// each of one identity's notifications, in seq order. Each is appended (unless held already: published again) and
    /// published; returns how many clients received them in all.
    /// </summary>
    private const string AppendAndPublishScript = """
        local receivers = 0
        if ARGV[1] == '0' then
          for i = 6, #ARGV, 2 do receivers = receivers + redis.call('SPUBLISH', ARGV[4], ARGV[i + 1]) end
          return receivers
        end
        redis.call('SET', KEYS[2], ARGV[5], 'NX')
        local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local last = 0
        if #newest > 0 then last = tonumber(string.match(newest[1][1], '^(%d+)')) end
        for i = 6, #ARGV, 2 do
          local seq = tonumber(ARGV[i])
          if seq > last then
            redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], ARGV[i] .. '-1', 'm', ARGV[i + 1])
            last = seq
          end
          receivers = receivers + redis.call('SPUBLISH', ARGV[4], ARGV[i + 1])
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        return receivers
        """;

    /// <summary>
    /// KEYS: stream, epoch. ARGV: epoch if none, ttl ms. Returns the epoch and the newest seq (0: none). A history
    /// that does not exist yet gets its epoch here, so a device told it keeps it when appends begin.
    /// </summary>
    private const string HeadScript = """
        redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2])
        local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local last = 0
        if #newest > 0 then last = tonumber(string.match(newest[1][1], '^(%d+)')) end
        return { redis.call('GET', KEYS[2]), last }
        """;

    /// <summary>
    /// Appends <paramref name="notifications"/> (one identity's, in seq order) to its history and publishes them on its
    /// sharded <paramref name="channel"/>, in one script: all of them or, if Redis fails, none, so a later one is never
    /// out while an earlier one is not. Returns Redis's own count of the clients (gateways) they were delivered to.
    /// </summary>
    /// <param name="traceParents">Each notification's W3C trace context (null: none is traced), carried to the gateways.</param>
    public async Task<long> AppendAndPublishAsync(IReadOnlyList<NotificationEnvelope> notifications, RedisChannel channel, IReadOnlyList<string?>? traceParents = null)
    {
        var tenantId = notifications[0].TenantId;
        var settings = options.Value;
        RedisValue[] arguments =
        [
            settings.Enabled ? 1 : 0, settings.MaxLength, (long)settings.MaxAge.TotalMilliseconds, channel.ToString(), NewEpoch(),
            .. notifications.SelectMany((n, i) => new RedisValue[] { n.Seq, NotificationWire.Write(n, traceParents?[i]) }),
        ];
        return (long)await redis.GetDatabase().ScriptEvaluateAsync(
            AppendAndPublishScript, [names.History(tenantId), names.HistoryEpoch(tenantId)], arguments);
    }

    public async Task<HistoryRead> ReadAsync(Guid tenantId, string? epoch, long afterSeq, CancellationToken cancellationToken = default)
    {
        var (current, last) = await HeadAsync(tenantId, cancellationToken);
        var entries = await redis.GetDatabase().StreamRangeAsync(
            names.History(tenantId), minId: $"{afterSeq + 1}-0", maxId: "+", count: options.Value.MaxReplay + 1);
        var held = entries.Select(e => NotificationWire.Read((byte[])e[Field]!)).OfType<NotificationEnvelope>().ToList();
        return HistoryCoverage.Judge(current, epoch, afterSeq, Math.Max(last, held.Count > 0 ? held[^1].Seq : 0), held, options.Value, time.GetUtcNow());
    }

    public async Task<(string Epoch, long LastSeq)> HeadAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        var head = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            HeadScript, [names.History(tenantId), names.HistoryEpoch(tenantId)], [NewEpoch(), (long)options.Value.MaxAge.TotalMilliseconds]))!;
        return ((string)head[0]!, (long)head[1]);
    }

    private static string NewEpoch() => Guid.NewGuid().ToString("N");
}
