namespace Odin.Testing;

/// <summary>Where the repository and its built executables are, seen from a test assembly.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: whichever the tests themselves were built as.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The built dll of a project under <c>src/</c>, e.g. <c>Executable("Gateway", "Odin.Gateway")</c>.</summary>
    public static string Executable(string projectFolder, string assemblyName) => Executable("src", projectFolder, assemblyName);

    /// <summary>The built dll of a project under <paramref name="top"/> (<c>src</c>, <c>tests</c>).</summary>
    public static string Executable(string top, string projectFolder, string assemblyName)
    {
        var path = Path.Combine(Root, top, projectFolder, "bin", Configuration, "net10.0", $"{assemblyName}.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is not built: run 'dotnet build -c {Configuration}' (scripts/test.sh does).");
    }

    public static string InRepository(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Odin.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Odin.sln not found above the test assembly.");
    }
}
