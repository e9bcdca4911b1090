namespace Odin.Testing;

/// <summary>Finds the server programs the fixtures start; a missing one fails with the fix.</summary>
public static class ServerBinaries
{
    public static string Find(string name, params string[] extraFolders)
    {
        var folders = extraFolders.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            .Concat(["/usr/sbin", "/usr/bin", "/usr/local/bin"]);
        foreach (var folder in folders.Where(f => f.Length > 0))
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"'{name}' was not found. Run scripts/setup.sh to install the servers the tests need.");
    }

    /// <summary>The newest PostgreSQL server folder (Debian keeps it out of PATH).</summary>
    public static string PostgresBin()
    {
        var root = "/usr/lib/postgresql";
        var newest = Directory.Exists(root)
            ? Directory.GetDirectories(root).OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).FirstOrDefault()
            : null;
        return newest is not null && File.Exists(Path.Combine(newest, "bin", "initdb"))
            ? Path.Combine(newest, "bin")
            : Path.GetDirectoryName(Find("initdb"))!;
    }
}
