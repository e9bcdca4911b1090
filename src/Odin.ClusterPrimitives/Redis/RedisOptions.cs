using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Odin.ClusterPrimitives.Redis;

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

    /// <summary>
    /// Prefix for every Redis key and channel. Default <c>odin</c>. Letters, digits, <c>_</c>, <c>.</c> and <c>-</c>:
    /// a brace would change which Redis Cluster slot a key is in.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$", ErrorMessage = "The prefix must be 1 to 64 letters, digits, '_', '.' or '-'.")]
    public string ChannelPrefix { get; set; } = DefaultChannelPrefix;

    public bool IsCluster => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>The section, validated (a bad value stops start-up with one line naming its key).</summary>
    public static RedisOptions Read(IConfiguration configuration) => OptionsComposition.Check<RedisOptions>(configuration, Section);
}
