using Odin.Hosting.Common;

namespace Odin.Hosting.Auth;

/// <summary>Configuration section <c>Odin:Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Odin:Admin";

    /// <summary>
    /// Bearer key for <c>/api/v1/admin/*</c>. Single node: when unset, one is generated on first start,
    /// kept in <c>data/admin-key</c> and printed. Cluster: required.
    /// </summary>
    public string ApiKey { get; set; } = "";

    /// <summary>
    /// The key being replaced, accepted beside <see cref="ApiKey"/> while a rotation rolls through the instances and
    /// the operators' tools (docs/operations.md, "Rotating the admin key"). Empty (the default): none.
    /// </summary>
    public string PreviousApiKey { get; set; } = "";

    /// <summary>Whether <paramref name="token"/> is the admin key, or the previous one during a rotation (compared as hashes).</summary>
    public bool Admits(string token) =>
        (ApiKey.Length > 0 && Secrets.HashMatches(token, Secrets.Hash(ApiKey)))
        || (PreviousApiKey.Length > 0 && Secrets.HashMatches(token, Secrets.Hash(PreviousApiKey)));
}
