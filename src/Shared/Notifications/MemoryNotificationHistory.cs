using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Odin.Shared.Realtime;

namespace Odin.Shared.Notifications;

/// <summary>A single node's history: the newest <see cref="HistoryOptions.MaxLength"/> notifications per identity, in memory (a restart starts a new epoch).</summary>
public sealed class MemoryNotificationHistory(IOptions<HistoryOptions> options, TimeProvider time) : INotificationHistory
{
    private readonly string _epoch = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<Guid, Queue<NotificationEnvelope>> _byTenant = new();

    public void Append(NotificationEnvelope envelope)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var queue = _byTenant.GetOrAdd(envelope.TenantId, _ => new Queue<NotificationEnvelope>());
        lock (queue)
        {
            if (queue.Count > 0 && queue.Last().Seq >= envelope.Seq)
            {
                return; // published again after a crash: already held
            }

            queue.Enqueue(envelope);
            while (queue.Count > options.Value.MaxLength)
            {
                queue.Dequeue();
            }
        }
    }

    public Task<HistoryRead> ReadAsync(Guid tenantId, string? epoch, long afterSeq, CancellationToken cancellationToken = default)
    {
        var held = Snapshot(tenantId);
        var last = held.Count > 0 ? held[^1].Seq : 0;
        return Task.FromResult(HistoryCoverage.Judge(_epoch, epoch, afterSeq, last, held, options.Value, time.GetUtcNow()));
    }

    public Task<(string Epoch, long LastSeq)> HeadAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        var held = Snapshot(tenantId);
        return Task.FromResult((_epoch, held.Count > 0 ? held[^1].Seq : 0L));
    }

    private List<NotificationEnvelope> Snapshot(Guid tenantId)
    {
        if (!_byTenant.TryGetValue(tenantId, out var queue))
        {
            return [];
        }

        lock (queue)
        {
            return [.. queue];
        }
    }
}
