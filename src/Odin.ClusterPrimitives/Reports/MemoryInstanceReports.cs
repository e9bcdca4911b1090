using System.Collections.Concurrent;

namespace Odin.ClusterPrimitives.Reports;

/// <summary>The single node's reports: its own, in this process.</summary>
public sealed class MemoryInstanceReports(TimeProvider time) : IInstanceReports
{
    private readonly ConcurrentDictionary<string, InstanceReport> _reports = new();

    public Task PublishAsync(InstanceReport report)
    {
        _reports[$"{report.Kind}/{report.Instance}"] = report;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string instance)
    {
        foreach (var key in _reports.Keys.Where(k => k.EndsWith($"/{instance}", StringComparison.Ordinal)))
        {
            _reports.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<InstanceReport>> ReadAllAsync()
    {
        var now = time.GetUtcNow();
        return Task.FromResult<IReadOnlyList<InstanceReport>>([.. _reports.Values.Where(r => r.ExpiresAt > now).OrderBy(r => r.Kind).ThenBy(r => r.Instance)]);
    }
}
