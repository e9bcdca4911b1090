using Microsoft.Extensions.Configuration;

namespace Odin.ClusterPrimitives;

/// <summary>
/// Settings from files, one file a key, as Docker and Kubernetes hand secrets over: a file named
/// <c>Odin__Admin__ApiKey</c> in the folder is the setting <c>Odin:Admin:ApiKey</c>. The folder is
/// <c>ODIN_SECRETS_DIR</c>, by default <c>/run/secrets</c> (compose's); none there, nothing read. A file overrides
/// the environment. Write each file without a trailing newline (<c>printf</c>, not <c>echo</c>).
/// </summary>
public static class SecretFiles
{
    public const string DefaultFolder = "/run/secrets";

    public static IConfigurationBuilder AddSecretFiles(this IConfigurationBuilder configuration) =>
        configuration.AddSecretFiles(Environment.GetEnvironmentVariable("ODIN_SECRETS_DIR") is { Length: > 0 } configured ? configured : DefaultFolder);

    /// <summary>The settings of the files in <paramref name="folder"/> (none when it does not exist).</summary>
    public static IConfigurationBuilder AddSecretFiles(this IConfigurationBuilder configuration, string folder) =>
        configuration.AddKeyPerFile(folder, optional: true, reloadOnChange: false);
}
