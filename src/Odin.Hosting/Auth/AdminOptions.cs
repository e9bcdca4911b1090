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
}
