namespace Odin.Shared.Redis;

/// <summary>
/// Every Redis key and channel name Odin uses, under one deployment prefix
/// (<c>Odin:Redis:ChannelPrefix</c>) so several deployments can share one Redis. Nothing else builds a
/// Redis name by concatenation.
/// </summary>
public sealed class RedisNames(string prefix)
{
    public string Prefix { get; } = string.IsNullOrWhiteSpace(prefix) ? RedisOptions.DefaultChannelPrefix : prefix;

    /// <summary>Channel prefix handed to the SignalR Redis backplane.</summary>
    public string SignalRBackplane => $"{Prefix}:signalr";
}
