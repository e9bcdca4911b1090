using Odin.Contracts;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>
/// Each identity's recent notifications, appended by the bus as it publishes (before delivery), read by a
/// gateway when a device resumes. The history has an epoch: a history that was lost (Redis restarted empty, or
/// idle past its age) starts a new epoch, so a device resuming from the old one is told to re-read.
/// </summary>
public interface INotificationHistory
{
    /// <summary>The notifications of <paramref name="tenantId"/> after <paramref name="afterSeq"/> in the history of <paramref name="epoch"/>.</summary>
    Task<HistoryRead> ReadAsync(Guid tenantId, string? epoch, long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>The current epoch and newest seq of <paramref name="tenantId"/> (for a fresh subscription).</summary>
    Task<(string Epoch, long LastSeq)> HeadAsync(Guid tenantId, CancellationToken cancellationToken = default);
}

/// <param name="Covered">True when <paramref name="Entries"/> are every notification after the seq asked for (same epoch, nothing trimmed or too old).</param>
public sealed record HistoryRead(string Epoch, long LastSeq, bool Covered, IReadOnlyList<NotificationEnvelope> Entries);

/// <summary>The coverage rule both histories apply to what they hold.</summary>
public static class HistoryCoverage
{
    /// <summary>
    /// <paramref name="held"/> (oldest first) covers everything after <paramref name="afterSeq"/> when the epochs
    /// match, the device is not ahead, and the oldest notification it needs is held and young enough.
    /// </summary>
    public static HistoryRead Judge(
        string epoch, string? askedEpoch, long afterSeq, long lastSeq, IReadOnlyList<NotificationEnvelope> held, HistoryOptions options, DateTimeOffset now)
    {
        var after = held.Where(n => n.Seq > afterSeq).ToList();
        var covered = askedEpoch == epoch
            && afterSeq <= lastSeq
            && (afterSeq == lastSeq || (after.Count > 0 && after[0].Seq == afterSeq + 1 && after[0].At >= (now - options.MaxAge).ToUnixTimeMilliseconds()))
            && after.Count <= options.MaxReplay;
        return new HistoryRead(epoch, lastSeq, covered, covered ? after : []);
    }
}
