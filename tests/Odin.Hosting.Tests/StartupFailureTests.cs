using System.Diagnostics;
using System.Net.Sockets;
using Odin.Testing;

namespace Odin.Hosting.Tests;

/// <summary>
/// The executables with a bad setting, run for real in an empty folder: one line on the console that names the
/// key, exit code 1, and nothing created (no data folder, no key file, no database).
/// </summary>
public sealed class StartupFailureTests
{
    private static readonly string Hosting = RepositoryPaths.Executable("Odin.Hosting", "Odin.Hosting");
    private static readonly string Gateway = RepositoryPaths.Executable("Gateway", "Odin.Gateway");

    [Theory]
    [InlineData("Odin__Redis__Configuration", "foo=bar", "odin: Odin__Redis__Configuration: Keyword 'foo' is not supported")]
    [InlineData("Odin__Auth__DeviceTokenLifetime", "soon", "odin: Odin__Auth__DeviceTokenLifetime: 'soon' is not valid")]
    [InlineData("Odin__Cache__Duration", "-00:00:01", "odin: Odin__Cache__Duration: The field Duration must be between")]
    [InlineData("Odin__Database__Provider", "Nope", "odin: Odin__Database__Provider: 'Nope' is not valid")]
    [InlineData("ASPNETCORE_URLS", "notaurl", "odin: --urls (ASPNETCORE_URLS): 'notaurl' is not a URL")]
    public async Task Odin_Hosting_with_a_bad_setting_says_one_line_naming_it_exits_1_and_creates_nothing(string key, string value, string expected)
    {
        var (exit, output, created) = await RunAsync(Hosting, new() { [key] = value });
        AssertOneLine(expected, exit, output, created);
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_naming_the_address_and_nothing_is_created()
    {
        using var holder = new TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)holder.LocalEndpoint).Port}";
        foreach (var executable in new[] { Hosting, Gateway })
        {
            var (exit, output, created) = await RunAsync(executable, new()
            {
                ["ASPNETCORE_URLS"] = url,
                ["Odin__Redis__Configuration"] = "127.0.0.1:1", // a gateway requires one; Hosting then is a cluster node ...
                ["Odin__Auth__PublicKeyPath"] = "/dev/null",
            });
            AssertOneLine($": --urls (ASPNETCORE_URLS): {url} is already in use by another process.", exit, output, created, startsWith: false);
        }
    }

    [Theory]
    [InlineData(null, "odin-gateway: Odin__Redis__Configuration is required")]
    [InlineData("foo=bar", "odin-gateway: Odin__Redis__Configuration: Keyword 'foo' is not supported")]
    public async Task A_gateway_without_a_usable_redis_refuses_to_start(string? redis, string expected)
    {
        var (exit, output, created) = await RunAsync(Gateway, new()
        {
            ["Odin__Redis__Configuration"] = redis ?? "",
            ["Odin__Auth__JwksUrl"] = "http://127.0.0.1:1/.well-known/odin/jwks.json",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        });
        AssertOneLine(expected, exit, output, created);
    }

    private static void AssertOneLine(string expected, int exit, string output, string[] created, bool startsWith = true)
    {
        Assert.Equal(1, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"one line, got:\n{output}");
        if (startsWith)
        {
            Assert.StartsWith(expected, lines[0]);
        }
        else
        {
            Assert.Contains(expected, lines[0]);
        }

        Assert.Empty(created);
    }

    /// <summary>Runs the executable in an empty folder; its exit code, everything it printed, and what it left in the folder.</summary>
    private static async Task<(int Exit, string Output, string[] Created)> RunAsync(string dll, Dictionary<string, string> environment)
    {
        var folder = Directory.CreateTempSubdirectory("odin-bad-start-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = folder };
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }

            var (exit, output) = await ChildProcess.RunCapturedAsync(start, TimeSpan.FromSeconds(60));
            return (exit, output, Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
