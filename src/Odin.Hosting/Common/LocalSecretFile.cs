namespace Odin.Hosting.Common;

/// <summary>A secret a single node keeps in a file of its own (readable by its user only), created on first start.</summary>
internal static class LocalSecretFile
{
    /// <param name="show">Print the secret once when it is created (the admin key: the operator needs it).</param>
    public static string LoadOrCreate(string path, Func<string> create, string what, bool show = false)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secret = create();
        File.WriteAllText(path, secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Console.WriteLine(show ? $"Created {what} (kept in {path}): {secret}" : $"Created {what} (kept in {path})");
        return secret;
    }
}
