using System.Diagnostics;
using System.Net;
using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>
/// <c>scripts/cluster.sh</c> as an operator runs it (in a state folder of its own, with what the suite built):
/// <c>up</c> serves the walk-through through HAProxy, <c>status</c> reports every part healthy, <c>down</c> returns
/// only once every process it started is gone, and a second <c>up</c> keeps the first run's logs.
/// </summary>
public sealed class ClusterScriptTests
{
    [Fact]
    public async Task Up_status_down_and_up_again_work_as_the_operations_guide_says()
    {
        var state = Directory.CreateTempSubdirectory("odin-cluster-script-").FullName;
        var port = 20000 + (Environment.ProcessId % 120) * 100; // ports base..base+50, below the ephemeral range other tests draw from
        try
        {
            var up = await RunAsync(state, port, "up");
            Assert.True(up.Exit == 0, up.Output);
            Assert.Contains("cluster: up", up.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(await File.ReadAllTextAsync(Path.Combine(state, "admin-key")), up.Output, StringComparison.Ordinal);

            var status = await CreateTenantThenStatusAsync(state, port);
            Assert.Contains("PONG", status.Output, StringComparison.Ordinal);
            Assert.Contains("accepting connections", status.Output, StringComparison.Ordinal);

            var pids = Directory.GetFiles(Path.Combine(state, "pids"), "*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var down = await RunAsync(state, port, "down");
            Assert.True(down.Exit == 0, down.Output);
            Assert.All(pids, pid => Assert.False(IsAlive(pid), $"process {pid} still runs after down"));

            // Up again: the first run's log is kept, the second appended.
            Assert.True((await RunAsync(state, port, "up")).Exit == 0);
            await RunAsync(state, port, "down");
            var log = await File.ReadAllTextAsync(Path.Combine(state, "logs", "hosting1.log"));
            Assert.Equal(2, log.Split("Now listening on", StringSplitOptions.None).Length - 1);
        }
        finally
        {
            await RunAsync(state, port, "down");
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Up_with_a_Redis_cluster_serves_the_cluster_on_three_masters_with_a_replica_each()
    {
        var state = Directory.CreateTempSubdirectory("odin-cluster-script-").FullName;
        var port = 20000 + ((Environment.ProcessId + 60) % 120) * 100; // another range than the test above, which may run beside this one
        try
        {
            var up = await RunAsync(state, port, "up", "--redis-cluster");
            Assert.True(up.Exit == 0, up.Output);
            Assert.Contains($"127.0.0.1:{port + 40},127.0.0.1:{port + 41},", up.Output, StringComparison.Ordinal);

            var status = await CreateTenantThenStatusAsync(state, port);
            Assert.Equal(6, status.Output.Split('\n').Count(l => l.StartsWith("redis 127.0.0.1:", StringComparison.Ordinal) && l.EndsWith("PONG", StringComparison.Ordinal)));
            var nodes = await ChildProcess.RunAsync("redis-cli", "-p", $"{port + 40}", "--user", "odin", "--pass", (await File.ReadAllTextAsync(Path.Combine(state, "redis-password"))).Trim(),
                "--no-auth-warning", "cluster", "nodes");
            Assert.Equal(3, nodes.Split('\n').Count(l => l.Contains("master", StringComparison.Ordinal)));
            Assert.Equal(3, nodes.Split('\n').Count(l => l.Contains("slave", StringComparison.Ordinal)));

            var pids = Directory.GetFiles(Path.Combine(state, "pids"), "*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.True((await RunAsync(state, port, "down")).Exit == 0);
            Assert.All(pids, pid => Assert.False(IsAlive(pid), $"process {pid} still runs after down"));
        }
        finally
        {
            await RunAsync(state, port, "down");
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Creates an identity through HAProxy with the admin key <c>up</c> wrote, then runs <c>status</c>: all five parts must report ready.</summary>
    private static async Task<(int Exit, string Output)> CreateTenantThenStatusAsync(string state, int port)
    {
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
        {
            var api = new OdinApi(http);
            using var created = await api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", (await File.ReadAllTextAsync(Path.Combine(state, "admin-key"))).Trim(), null,
                new { domain = $"s{Guid.NewGuid():N}.example" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var status = await RunAsync(state, port, "status");
        Assert.Equal(5, status.Output.Split('\n').Count(l => l.Contains("/health/ready: 200", StringComparison.Ordinal)));
        return status;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static Task<(int Exit, string Output)> RunAsync(string state, int port, params string[] command)
    {
        var start = new ProcessStartInfo("bash", [RepositoryPaths.InRepository("scripts", "cluster.sh"), .. command])
        {
            Environment =
            {
                ["ODIN_CLUSTER_STATE"] = state,
                ["ODIN_CLUSTER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ODIN_CLUSTER_NO_BUILD"] = "1",
            },
        };
        return ChildProcess.RunCapturedAsync(start, TimeSpan.FromSeconds(180));
    }
}
