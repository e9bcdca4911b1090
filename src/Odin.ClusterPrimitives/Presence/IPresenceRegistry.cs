namespace Odin.ClusterPrimitives.Presence;

/// <summary>One device connection that is online, on whichever gateway holds it.</summary>
public sealed record OnlineConnection(Guid DeviceId, string ConnectionId);

/// <summary>
/// Which devices are connected, across every gateway. Each gateway records its connections with an expiry
/// and refreshes them every <see cref="PresenceTiming.Refresh"/>; a gateway that dies stops refreshing, so its
/// entries are gone within <see cref="PresenceTiming.Ttl"/>. In-process on one node, Redis in a cluster.
/// </summary>
public interface IPresenceRegistry
{
    /// <summary>Records (or refreshes) connections as online until now + <see cref="PresenceTiming.Ttl"/>.</summary>
    Task SetAsync(Guid tenantId, IReadOnlyCollection<OnlineConnection> connections);

    /// <summary>
    /// <see cref="SetAsync"/> for many identities at once (a gateway's periodic refresh): sent together, not one
    /// round trip after another, and one identity that fails does not stop the others. Returns those that failed.
    /// </summary>
    Task<IReadOnlyList<Guid>> RefreshAsync(IReadOnlyDictionary<Guid, IReadOnlyCollection<OnlineConnection>> byTenant);

    Task RemoveAsync(Guid tenantId, OnlineConnection connection);

    /// <summary>The connections of <paramref name="tenantId"/> that are online now.</summary>
    Task<IReadOnlyList<OnlineConnection>> OnlineAsync(Guid tenantId, CancellationToken cancellationToken = default);
}

/// <summary>How long a presence entry lives without a refresh, and how often gateways refresh theirs.</summary>
public static class PresenceTiming
{
    /// <summary>A crashed gateway's devices drop out of the online list within this long.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(10);
}
