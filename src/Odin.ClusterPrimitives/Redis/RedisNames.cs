namespace Odin.ClusterPrimitives.Redis;

/// <summary>
/// Every Redis key and channel name Odin uses, under one deployment prefix
/// (<c>Odin:Redis:ChannelPrefix</c>) so several deployments can share one Redis. Nothing else builds a
/// Redis name by concatenation.
/// </summary>
public sealed class RedisNames(string prefix)
{
    public string Prefix { get; } = string.IsNullOrWhiteSpace(prefix) ? RedisOptions.DefaultChannelPrefix : prefix;

    /// <summary>
    /// An identity's sharded pub/sub channel (SPUBLISH/SSUBSCRIBE): its notifications and presence events, heard
    /// only by the gateways that hold its devices. In its identity's hash slot, so the script that appends to the
    /// history publishes on the same Redis Cluster shard.
    /// </summary>
    public string IdentityChannel(Guid tenantId) => OfIdentity(tenantId, ":notify");

    /// <summary>Name of Odin.Hosting's FusionCache: it names the cache's backplane channel too.</summary>
    public string CacheName => $"{Prefix}:cache";

    /// <summary>Prefix of every key the cache keeps in Redis (its distributed level).</summary>
    public string CacheKeyPrefix => $"{Prefix}:c:";

    /// <summary>An identity's notification history (a stream; entry id = seq), in its identity's hash slot.</summary>
    public string History(Guid tenantId) => OfIdentity(tenantId, ":history");

    /// <summary>The epoch of an identity's history: new whenever the history had to start over (beside the history).</summary>
    public string HistoryEpoch(Guid tenantId) => OfIdentity(tenantId, ":history:epoch");

    /// <summary>An identity's online device connections (a sorted set scored by expiry), in its identity's hash slot.</summary>
    public string Presence(Guid tenantId) => OfIdentity(tenantId, ":presence");

    /// <summary>An ACME HTTP-01 answer (a distributed-cache entry), by its token.</summary>
    public string AcmeChallenge(string token) => $"{Prefix}:acme-http01:{token}";

    /// <summary>Every instance's report for the dashboard: one hash, a field per instance (one key: one Redis Cluster slot).</summary>
    public string InstanceReports => $"{Prefix}:instances";

    /// <summary>The leader's lease (value: holder and term).</summary>
    public string LeaderLease => $"{Prefix}:leader";

    /// <summary>The counter fencing tokens come from (INCR: only grows).</summary>
    public string LeaderFence => $"{Prefix}:leader:fence";

    /// <summary>A distributed lock on one resource (RedLock).</summary>
    public string Lock(string resource) => $"{Prefix}:lock:{resource}";

    /// <summary>Pub/sub channel of one broker topic.</summary>
    public string Topic(string topic) => $"{Prefix}:topic:{topic}";

    /// <summary>Marks a revoked device until its last token has expired (in its identity's hash slot).</summary>
    public string RevokedDevice(Guid tenantId, Guid deviceId) => OfIdentity(tenantId, ":revoked:", deviceId);

    /// <summary>Marks a disabled or deleted identity until the last token of its devices has expired.</summary>
    public string RevokedIdentity(Guid tenantId) => OfIdentity(tenantId, ":revoked");

    /// <summary>
    /// A name of one identity's that must share a Redis Cluster hash slot with the others: they all start with the
    /// same hash tag (only the part in braces is hashed). Built as one string: a device's connect names five of them.
    /// </summary>
    private string OfIdentity(Guid tenantId, string suffix) => $"{Prefix}:{{t:{tenantId:N}}}{suffix}";

    /// <inheritdoc cref="OfIdentity(Guid, string)"/>
    private string OfIdentity(Guid tenantId, string suffix, Guid id) => $"{Prefix}:{{t:{tenantId:N}}}{suffix}{id:N}";
}
