using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Odin.Contracts;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>A single node's history: the newest <see cref="HistoryOptions.MaxLength"/> notifications per identity, in memory (a restart starts a new epoch).</summary>
public sealed class MemoryNotificationHistory(IOptions<HistoryOptions> options, TimeProvider time) : INotificationHistory
{
    private readonly string _epoch = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<Guid, Held> _byTenant = new();

    public void Append(NotificationEnvelope envelope)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var held = _byTenant.GetOrAdd(envelope.TenantId, _ => new Held());
        lock (held)
        {
            if (held.LastSeq >= envelope.Seq)
            {
                return; // published again after a crash: already held
            }

            held.Entries.Enqueue(envelope);
            held.LastSeq = envelope.Seq;
            while (held.Entries.Count > options.Value.MaxLength)
            {
                held.Entries.Dequeue();
            }
        }
    }

    public Task<HistoryRead> ReadAsync(Guid tenantId, string? epoch, long afterSeq, CancellationToken cancellationToken = default)
    {
        var (lastSeq, entries) = (0L, new List<NotificationEnvelope>());
        if (_byTenant.TryGetValue(tenantId, out var held))
        {
            lock (held)
            {
                (lastSeq, entries) = (held.LastSeq, [.. held.Entries]);
            }
        }

        return Task.FromResult(HistoryCoverage.Judge(_epoch, epoch, afterSeq, lastSeq, entries, options.Value, time.GetUtcNow()));
    }

    public Task<(string Epoch, long LastSeq)> HeadAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        if (!_byTenant.TryGetValue(tenantId, out var held))
        {
            return Task.FromResult((_epoch, 0L));
        }

        lock (held)
        {
            return Task.FromResult((_epoch, held.LastSeq));
        }
    }

    /// <summary>One identity's notifications, oldest first, and the newest seq (read without walking the queue).</summary>
    private sealed class Held
    {
        public Queue<NotificationEnvelope> Entries { get; } = new();

        public long LastSeq { get; set; }
    }
}
