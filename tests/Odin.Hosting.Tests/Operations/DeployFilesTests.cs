using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Odin.Testing;

namespace Odin.Hosting.Tests.Operations;

/// <summary>
/// What an operator deploys from deploy/: the alert rules pass their own unit tests (promtool), the Prometheus
/// configuration and the compose file are valid (promtool, docker-compose), and the alerts and the Grafana
/// dashboard name only metrics docs/operations.md lists (which a cluster test checks against real /metrics).
/// </summary>
public sealed partial class DeployFilesTests
{
    private static readonly string Deploy = RepositoryPaths.InRepository("deploy");

    [Fact]
    public async Task The_alert_rules_pass_their_unit_tests_and_the_Prometheus_configuration_is_valid()
    {
        await RunAsync("promtool", Path.Combine(Deploy, "prometheus"), "check", "rules", "alerts.yml");
        await RunAsync("promtool", Path.Combine(Deploy, "prometheus"), "test", "rules", "alerts.test.yml");
        await RunAsync("promtool", Path.Combine(Deploy, "prometheus"), "check", "config", "prometheus.yml");
    }

    [Fact]
    public async Task The_compose_file_is_valid_without_an_engine()
    {
        var output = await RunAsync("docker-compose", Deploy, "-f", "compose.yml", "config");
        foreach (var service in new[] { "redis", "postgres", "hosting-1", "hosting-2", "gateway-1", "gateway-2", "haproxy" })
        {
            Assert.Contains($"\n  {service}:\n", output, StringComparison.Ordinal);
        }

        // The keys and passwords are secrets (files), never a service's environment variables.
        Assert.DoesNotMatch(@"(?m)^ {6}Odin__(Admin__ApiKey|Keys__EncryptionKey|Redis__Configuration|Database__ConnectionString):", output);
        Assert.Matches(@"(?m)^ {4}- source: Odin__Admin__ApiKey$", output);
    }

    [Fact]
    public async Task The_alerts_and_the_dashboard_name_only_documented_metrics()
    {
        var documented = DocumentedMetrics(await File.ReadAllTextAsync(RepositoryPaths.InRepository("docs", "operations.md")));
        var alerts = await File.ReadAllTextAsync(Path.Combine(Deploy, "prometheus", "alerts.yml"));
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Deploy, "grafana", "odin.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.NotEmpty(expressions);

        foreach (var (source, text) in new[] { ("alerts.yml", alerts), ("odin.json", string.Join('\n', expressions)) })
        {
            var named = MetricName().Matches(text).Select(m => HistogramSeries().Replace(m.Value, "")).ToHashSet();
            Assert.NotEmpty(named);
            Assert.All(named, name => Assert.True(documented.Contains(name), $"{source} names {name}, which docs/operations.md does not list"));
        }
    }

    /// <summary>The <c>odin_*</c> names in the metric table of docs/operations.md.</summary>
    private static HashSet<string> DocumentedMetrics(string operations) =>
        [.. operations.Split('\n').Where(l => l.StartsWith("| `odin_", StringComparison.Ordinal))
            .SelectMany(l => l.Split('|')[1].Split(',')).Select(n => n.Trim().Trim('`'))];

    private static async Task<string> RunAsync(string program, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(ServerBinaries.Find(program)) { WorkingDirectory = folder };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var (exit, output) = await ChildProcess.RunCapturedAsync(start, TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, $"{program} {string.Join(' ', args)} exited {exit}:\n{output}");
        return output;
    }

    [GeneratedRegex(@"\bodin_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|count|sum)$")]
    private static partial Regex HistogramSeries();
}
