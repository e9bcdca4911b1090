using System.Text.Json;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Reports;

/// <summary>
/// The cluster's reports: one Redis hash (<see cref="RedisNames.InstanceReports"/>, one key, so one Redis Cluster slot),
/// a field per instance holding its JSON report. A reader drops the fields past their expiry.
/// </summary>
public sealed class RedisInstanceReports(IConnectionMultiplexer redis, RedisNames names, TimeProvider time) : IInstanceReports
{
    public Task PublishAsync(InstanceReport report) =>
        redis.GetDatabase().HashSetAsync(names.InstanceReports, $"{report.Kind}/{report.Instance}", JsonSerializer.SerializeToUtf8Bytes(report, JsonSerializerOptions.Web));

    public async Task RemoveAsync(string instance)
    {
        var database = redis.GetDatabase();
        var fields = (await database.HashKeysAsync(names.InstanceReports)).Where(f => ((string)f!).EndsWith($"/{instance}", StringComparison.Ordinal)).ToArray();
        if (fields.Length > 0)
        {
            await database.HashDeleteAsync(names.InstanceReports, fields);
        }
    }

    public async Task<IReadOnlyList<InstanceReport>> ReadAllAsync()
    {
        var database = redis.GetDatabase();
        var now = time.GetUtcNow();
        var reports = new List<InstanceReport>();
        var expired = new List<RedisValue>();
        foreach (var entry in await database.HashGetAllAsync(names.InstanceReports))
        {
            var report = JsonSerializer.Deserialize<InstanceReport>((byte[])entry.Value!, JsonSerializerOptions.Web);
            if (report is null || report.ExpiresAt <= now)
            {
                expired.Add(entry.Name);
            }
            else
            {
                reports.Add(report);
            }
        }

        if (expired.Count > 0)
        {
            await database.HashDeleteAsync(names.InstanceReports, [.. expired]);
        }

        return [.. reports.OrderBy(r => r.Kind).ThenBy(r => r.Instance)];
    }
}
