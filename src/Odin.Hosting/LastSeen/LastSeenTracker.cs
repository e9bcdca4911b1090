namespace Odin.Hosting.LastSeen;

/// <summary>
/// Collects sightings in memory (the latest per subject) so a busy device costs one row write per flush,
/// not one per request. Process-local on purpose: it is a write buffer, and what it holds reaches the
/// database at the next flush (<see cref="LastSeenFlusher"/>, every instance) — at most one interval late;
/// on a crash at most one interval of sightings is lost, which last-seen can afford.
/// </summary>
public sealed class LastSeenTracker(TimeProvider time)
{
    private readonly Lock _gate = new();
    private Dictionary<(Guid TenantId, string Subject), long> _pending = [];

    public void Seen(Guid tenantId, string subject) => Merge(tenantId, subject, time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>Puts back a batch that could not be written, keeping the later time where a subject was seen again.</summary>
    public void Restore(IEnumerable<(Guid TenantId, string Subject, long SeenAt)> batch)
    {
        foreach (var (tenantId, subject, seenAt) in batch)
        {
            Merge(tenantId, subject, seenAt);
        }
    }

    /// <summary>Takes everything pending; the tracker starts a new batch.</summary>
    public IReadOnlyCollection<(Guid TenantId, string Subject, long SeenAt)> Drain()
    {
        Dictionary<(Guid TenantId, string Subject), long> batch;
        lock (_gate)
        {
            batch = _pending;
            _pending = [];
        }

        return [.. batch.Select(e => (e.Key.TenantId, e.Key.Subject, e.Value))];
    }

    private void Merge(Guid tenantId, string subject, long seenAt)
    {
        // A short lock: a sighting never lands in a batch that was already taken.
        lock (_gate)
        {
            _pending[(tenantId, subject)] = _pending.TryGetValue((tenantId, subject), out var previous) ? Math.Max(previous, seenAt) : seenAt;
        }
    }
}
