namespace Odin.Hosting.Common;

/// <summary>
/// A secret a single node keeps in a file of its own (mode 0600 from its first byte), created on first
/// start. The secret itself is never printed: logs and terminals are read by more people than the key file.
/// </summary>
internal static class LocalSecretFile
{
    public static string LoadOrCreate(string path, Func<string> create, string what)
    {
        if (File.Exists(path))
        {
            OwnerOnly.EnsureFile(path);
            return File.ReadAllText(path).Trim();
        }

        var secret = create();
        OwnerOnly.CreateFile(path, secret);
        Console.WriteLine($"Created {what}; it is kept in {Path.GetFullPath(path)} (readable by this user only).");
        return secret;
    }
}
