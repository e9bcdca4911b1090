using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Odin.Testing;

namespace Odin.Hosting.Tests.Sdk;

/// <summary>
/// What an app author gets, in each language: <c>dotnet pack</c> makes the Odin.Contracts and Odin.Client packages and
/// <c>npm pack</c> the @odin/client one; each sample app (src/Odin.Client.Sample, src/odin-client-js/sample) builds
/// against its package, not the sources, and runs: live, then each new notification printed once, in order.
/// </summary>
public sealed class SdkPackageTests(SdkNode node) : IClassFixture<SdkNode>
{
    [Fact]
    public async Task The_packed_SDK_builds_the_sample_app_which_prints_each_notification_once_in_order()
    {
        var work = Directory.CreateTempSubdirectory("odin-sdk-pack-").FullName;
        try
        {
            // A version of its own, so that restore takes this run's package and never one cached by an earlier run.
            var version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
            var feed = Path.Combine(work, "feed");
            foreach (var project in new[] { "Odin.Contracts", "Odin.Client" })
            {
                await DotnetAsync("pack", RepositoryPaths.InRepository("src", project), "-c", RepositoryPaths.Configuration, "--no-build",
                    $"-p:Version={version}", "-o", feed);
            }

            Assert.True(File.Exists(Path.Combine(feed, $"Odin.Client.{version}.nupkg")));
            Assert.True(File.Exists(Path.Combine(feed, $"Odin.Contracts.{version}.nupkg")));

            var sample = RepositoryPaths.InRepository("src", "Odin.Client.Sample");
            var output = Path.Combine(work, "sample");
            await DotnetAsync("build", sample, "-c", RepositoryPaths.Configuration, $"-p:OdinClientVersion={version}",
                $"-p:RestoreAdditionalProjectSources={feed}", "-o", output);
            using (var assets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sample, "obj", "project.assets.json"))))
            {
                var library = assets.RootElement.GetProperty("libraries").GetProperty($"Odin.Client/{version}");
                Assert.Equal("package", library.GetProperty("type").GetString()); // the package, not a project reference
            }

            var (tenant, drive, device) = await node.Api.CreateReaderAsync();
            var start = new ProcessStartInfo(Dotnet);
            foreach (var arg in new[] { Path.Combine(output, "Odin.Client.Sample.dll"), node.Host.BaseAddress.ToString(), tenant.Domain,
                         device.DeviceId.ToString(), device.Secret, drive.ToString(), "60" })
            {
                start.ArgumentList.Add(arg);
            }

            await RunAsync(start, tenant, drive, live: line => line == "live", printed: seq => $"seq {seq} fileAdded ");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task The_packed_TypeScript_SDK_builds_the_sample_app_which_prints_each_notification_once_in_order()
    {
        // scripts/test.sh ran npm pack in src/odin-client-js and built the sample against the package it made.
        var sdk = RepositoryPaths.InRepository("src", "odin-client-js");
        Assert.True(File.Exists(Path.Combine(sdk, "odin-client-0.1.0.tgz")), "npm pack made no package: run scripts/test.sh");
        var installed = new DirectoryInfo(Path.Combine(sdk, "sample", "node_modules", "@odin", "client"));
        Assert.True(installed.Exists, "the sample is not installed: run scripts/test.sh");
        Assert.Null(installed.LinkTarget); // unpacked from the package, not linked to the SDK's sources
        Assert.False(Directory.Exists(Path.Combine(installed.FullName, "src"))); // the package holds its build only

        var (tenant, drive, device) = await node.Api.CreateReaderAsync();
        var start = new ProcessStartInfo(ServerBinaries.Find("node"));
        foreach (var arg in new[] { Path.Combine(sdk, "sample", "dist", "main.js"), node.Host.BaseAddress.ToString(), tenant.Domain,
                     device.DeviceId.ToString(), device.Secret, drive.ToString(), "60" })
        {
            start.ArgumentList.Add(arg);
        }

        await RunAsync(start, tenant, drive, live: line => line.StartsWith("stderr: live at seq", StringComparison.Ordinal), printed: seq => $"{seq}");
    }

    /// <summary>
    /// Runs a sample app until it says it is live, writes three files, and checks it printed each of their notifications
    /// once, in order (<paramref name="printed"/>: how its line for a seq begins).
    /// </summary>
    private static async Task RunAsync(ProcessStartInfo start, TenantHandle tenant, Guid drive, Func<string, bool> live, Func<int, string> printed)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var lines = new ConcurrentQueue<string>();
        using var app = Process.Start(start)!;
        app.OutputDataReceived += (_, e) => { if (e.Data is { } line) lines.Enqueue(line); };
        app.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lines.Enqueue("stderr: " + line); };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(() => lines.Any(live) || app.HasExited, "the sample to be live", TimeSpan.FromSeconds(30));
            Assert.True(lines.Any(live), $"the sample is not live; it printed:\n{string.Join('\n', lines)}");
            await tenant.CreateFilesAsync(drive, 3);

            bool IsSeq(string line) => !line.StartsWith("stderr: ", StringComparison.Ordinal) && line.Length > 0 && (char.IsDigit(line[0]) || line.StartsWith("seq ", StringComparison.Ordinal));
            await Eventually.TrueAsync(() => lines.Count(IsSeq) >= 3, "three notifications printed");
            var seqs = lines.Where(IsSeq).ToList();
            Assert.Equal(3, seqs.Count);
            Assert.All(Enumerable.Range(1, 3), seq => Assert.StartsWith(printed(seq), seqs[seq - 1]));
        }
        finally
        {
            ChildProcess.Kill(app);
        }
    }

    /// <summary>The dotnet that runs this test (what <c>dotnet test</c> was), else the one on PATH.</summary>
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ServerBinaries.Find("dotnet");

    private static async Task DotnetAsync(string verb, params string[] args)
    {
        var start = new ProcessStartInfo(Dotnet) { ArgumentList = { verb } };
        foreach (var arg in args.Append("-nologo"))
        {
            start.ArgumentList.Add(arg);
        }

        var (exit, output) = await ChildProcess.RunCapturedAsync(start, TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"dotnet {verb} {string.Join(' ', args)} exited {exit}:\n{output}");
    }
}
