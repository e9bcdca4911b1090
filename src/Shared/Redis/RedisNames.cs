namespace Odin.Shared.Redis;

/// <summary>
/// Every Redis key and channel name Odin uses, under one deployment prefix
/// (<c>Odin:Redis:ChannelPrefix</c>) so several deployments can share one Redis. Nothing else builds a
/// Redis name by concatenation.
/// </summary>
public sealed class RedisNames(string prefix)
{
    public string Prefix { get; } = string.IsNullOrWhiteSpace(prefix) ? RedisOptions.DefaultChannelPrefix : prefix;

    /// <summary>Pub/sub channel of one notification shard (see <c>NotificationShards</c>).</summary>
    public string NotificationShard(int shard) => $"{Prefix}:notify:{shard}";

    /// <summary>Pub/sub channel of one broker topic.</summary>
    public string Topic(string topic) => $"{Prefix}:topic:{topic}";

    /// <summary>Marks a revoked device until its last token has expired.</summary>
    public string RevokedDevice(Guid deviceId) => $"{Prefix}:revoked:{deviceId}";
}
