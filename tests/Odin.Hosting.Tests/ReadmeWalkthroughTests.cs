using System.Diagnostics;
using System.Text.RegularExpressions;
using Odin.Testing;

namespace Odin.Hosting.Tests;

/// <summary>
/// The README's walk-through, run as written (bash, curl, jq, the listener) against a real node — twice, as a
/// new user does when they try again: both runs end with the device printing its first notification.
/// </summary>
[Collection(SingleNodeCollection.Name)]
public sealed partial class ReadmeWalkthroughTests(SingleNodeHost node)
{
    [Fact]
    public async Task The_walkthrough_runs_twice_and_the_device_hears_its_notification_each_time()
    {
        var readme = await File.ReadAllTextAsync(RepositoryPaths.InRepository("README.md"));
        var section = readme[readme.IndexOf("## From zero to a live notification", StringComparison.Ordinal)..];
        var script = ShellBlock().Matches(section).Select(m => m.Groups["script"].Value).First(block => block.Contains("listen --server", StringComparison.Ordinal));

        var folder = Directory.CreateTempSubdirectory("odin-readme-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "data"));
            await File.WriteAllTextAsync(Path.Combine(folder, "data", "admin-key"), OdinHost.AdminKey);
            var listener = RepositoryPaths.Executable("loadtests", "Odin.LoadTest", "Odin.LoadTest");
            var run = script
                .Replace("ODIN=http://127.0.0.1:5000", $"ODIN={node.Host.BaseAddress.ToString().TrimEnd('/')}", StringComparison.Ordinal)
                .Replace("dotnet run --project loadtests/Odin.LoadTest --", $"dotnet '{listener}'", StringComparison.Ordinal);
            // Where the reader waits for "connected": the listener's output goes to a file the test reads.
            run = ListenLine().Replace(run, m => m.Value.TrimEnd().TrimEnd('&').TrimEnd() + " > listener.log 2>&1 < /dev/null &\necho $! > listener.pid\n"
                + "for i in $(seq 600); do grep -q connected listener.log && break; sleep 0.1; done");

            for (var attempt = 1; attempt <= 2; attempt++)
            {
                var (exit, output) = await BashAsync(folder, "set -euo pipefail\n" + run);
                var log = Path.Combine(folder, "listener.log");
                try
                {
                    Assert.True(exit == 0, $"run {attempt} of the walk-through failed ({exit}):\n{output}\n{File.ReadAllText(log)}");
                    await Eventually.TrueAsync(() => File.ReadAllText(log).Contains("seq=1 fileAdded", StringComparison.Ordinal),
                        $"run {attempt}: the device to print its notification", TimeSpan.FromSeconds(30));
                }
                finally
                {
                    await BashAsync(folder, "kill $(cat listener.pid) 2>/dev/null || true");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<(int Exit, string Output)> BashAsync(string folder, string script) =>
        ChildProcess.RunCapturedAsync(new ProcessStartInfo("bash") { WorkingDirectory = folder }, TimeSpan.FromSeconds(120), input: script);

    [GeneratedRegex("```sh\\n(?<script>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex("^.*listen --server.*&[ \\t]*$", RegexOptions.Multiline)]
    private static partial Regex ListenLine();
}
