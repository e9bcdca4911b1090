namespace Odin.Shared.Redis;

/// <summary>
/// Every Redis key and channel name Odin uses, under one deployment prefix
/// (<c>Odin:Redis:ChannelPrefix</c>) so several deployments can share one Redis. Nothing else builds a
/// Redis name by concatenation.
/// </summary>
public sealed class RedisNames(string prefix)
{
    public string Prefix { get; } = string.IsNullOrWhiteSpace(prefix) ? RedisOptions.DefaultChannelPrefix : prefix;

    /// <summary>Channel prefix handed to the SignalR Redis backplane (which adds its own suffixes).</summary>
    public string SignalRBackplane => $"{Prefix}:signalr";

    /// <summary>Pub/sub channel of one broker topic.</summary>
    public string Topic(string topic) => $"{Prefix}:topic:{topic}";

    /// <summary>Marks a revoked device until its last token has expired.</summary>
    public string RevokedDevice(Guid deviceId) => $"{Prefix}:revoked:{deviceId}";
}
