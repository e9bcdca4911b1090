namespace Odin.LoadTest.Compare;

/// <summary>Finds the built servers the benchmark starts (the same configuration this driver was built as).</summary>
internal static class Repository
{
    public static string Dll(string projectPath, string assembly)
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Odin.sln")))
            {
                var dll = Path.Combine(folder.FullName, projectPath, "bin", configuration, "net10.0", $"{assembly}.dll");
                return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built: run 'dotnet build -c {configuration}'.");
            }
        }

        throw new InvalidOperationException("Odin.sln not found above the load test.");
    }
}
