namespace Odin.Shared.Redis;

/// <summary>Configuration section <c>Odin:Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string Section = "Odin:Redis";

    public const string DefaultChannelPrefix = "odin";

    /// <summary>StackExchange.Redis configuration string. Empty (the default) means single node: no Redis at all.</summary>
    public string Configuration { get; set; } = "";

    /// <summary>
    /// PEM of the certificate authority that signed the Redis server's TLS certificate, when it is a private
    /// one (with <c>ssl=true</c> in <see cref="Configuration"/>). Empty (the default): the system's trust store.
    /// </summary>
    public string TrustedCaPath { get; set; } = "";

    /// <summary>Prefix for every Redis key and channel. Default <c>odin</c>.</summary>
    public string ChannelPrefix { get; set; } = DefaultChannelPrefix;

    public bool IsCluster => !string.IsNullOrWhiteSpace(Configuration);
}
