using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Odin.Testing;

namespace Odin.Hosting.Tests.Sdk;

/// <summary>
/// What an app author gets: <c>dotnet pack</c> makes the Odin.Contracts and Odin.Client packages, the sample app
/// (src/Odin.Client.Sample) builds against those packages (not the projects), and it runs: live, then each new
/// notification printed once, in order.
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

            var tenant = await node.Api.CreateTenantAsync();
            var drive = await tenant.CreateDriveAsync("docs");
            var device = await tenant.CreateDeviceAsync((drive, "read"));
            var lines = new ConcurrentQueue<string>();
            var start = new ProcessStartInfo(Dotnet)
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            foreach (var arg in new[] { Path.Combine(output, "Odin.Client.Sample.dll"), node.Host.BaseAddress.ToString(), tenant.Domain,
                         device.DeviceId.ToString(), device.Secret, drive.ToString(), "60" })
            {
                start.ArgumentList.Add(arg);
            }

            using var app = Process.Start(start)!;
            app.OutputDataReceived += (_, e) => { if (e.Data is { } line) lines.Enqueue(line); };
            app.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lines.Enqueue("stderr: " + line); };
            app.BeginOutputReadLine();
            app.BeginErrorReadLine();
            try
            {
                await Eventually.TrueAsync(() => lines.Contains("live") || app.HasExited, "the sample to be live", TimeSpan.FromSeconds(30));
                Assert.True(lines.Contains("live"), $"the sample is not live; it printed:\n{string.Join('\n', lines)}");
                var files = new List<Guid>();
                for (var i = 0; i < 3; i++)
                {
                    files.Add(Guid.NewGuid());
                    await tenant.CreateFileAsync(drive, files[^1]);
                }

                await Eventually.TrueAsync(() => lines.Count(l => l.StartsWith("seq ", StringComparison.Ordinal)) >= 3, "three notifications printed");
                Assert.Equal(files.Select((f, i) => $"seq {i + 1} fileAdded {f}"), lines.Where(l => l.StartsWith("seq ", StringComparison.Ordinal)));
            }
            finally
            {
                ChildProcess.Kill(app);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
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
