using System.Globalization;
using System.Text;

namespace Odin.LoadTest.Compare;

/// <summary>The comparison table: medians over rounds, and Odin's ratio to plain SignalR.</summary>
internal static class Report
{
    public static string Table(IReadOnlyList<TargetResult> results, ScenarioOptions options)
    {
        var byTarget = results.GroupBy(r => r.Target).ToDictionary(g => g.Key, g => g.ToList());
        string[] order = ["raw-websockets", "plain-signalr-redis", "odin-gateway"];
        var rows = new (string Name, Func<TargetResult, double> Value, string Format)[]
        {
            ("devices connected", r => r.Connected, "F0"),
            ("server CPU per connect, ms (first wave)", r => r.CpuPerConnectMs, "F2"),
            ($"server CPU per connect, ms (wave {options.Waves}, warm server)", r => r.WarmCpuPerConnectMs, "F2"),
            ("server CPU per disconnect, ms (first wave leaving)", r => r.CpuPerDisconnectMs, "F2"),
            ("server CPU per delivery, µs (paced phase)", r => r.CpuPerDeliveryUs, "F1"),
            ("server CPU per delivery, µs (burst phase)", r => r.BurstCpuPerDeliveryUs, "F1"),
            ("server CPU while idle, ms a second", r => r.IdleCpuMsPerSecond, "F1"),
            ($"server allocations per connect, KiB (wave {options.Waves})", r => r.WarmAllocatedKiBPerConnect, "F1"),
            ($"server page faults per connect (wave {options.Waves})", r => r.WarmFaultsPerConnect, "F1"),
            ("server allocations per delivery, bytes (paced phase)", r => r.AllocatedBytesPerDelivery, "F1"),
            ("server garbage collections in the paced phase", r => r.PacedCollections, "F0"),
            ("connects per second (wall clock: shown, not a target)", r => r.ConnectsPerSecond, "F0"),
            ("connects per second, again (wall clock)", r => r.WarmConnectsPerSecond, "F0"),
            ("idle KiB per connection", r => r.IdleKiBPerConnection, "F1"),
            ("burst deliveries per second (wall clock)", r => r.BurstDeliveriesPerSecond, "F0"),
            ($"p50 ms at {options.PacedDeliveriesPerSecond}/s", r => r.P50Ms, "F2"),
            ($"p99 ms at {options.PacedDeliveriesPerSecond}/s", r => r.P99Ms, "F2"),
            ($"p99.9 ms at {options.PacedDeliveriesPerSecond}/s", r => r.P999Ms, "F2"),
            ("lost", r => r.Lost, "F0"),
            ("duplicated", r => r.Duplicated, "F0"),
            ("out of order", r => r.OutOfOrder, "F0"),
        };

        var text = new StringBuilder();
        var shape = options.Identities == 1 ? "one identity" : $"{options.Identities} identities of {options.DevicesPerIdentity}";
        text.AppendLine($"| {options.Devices} devices ({shape}), {(options.MessagePack ? "MessagePack" : "JSON")} | raw WebSockets | plain SignalR + Redis | Odin gateway | Odin / plain SignalR |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (name, value, format) in rows)
        {
            var medians = order.Select(t => byTarget.TryGetValue(t, out var list) ? Statistics.Median(list.Select(value)) : double.NaN).ToArray();
            var ratio = medians[1] == 0 ? double.NaN : medians[2] / medians[1];
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Format(medians[0], format)} | {Format(medians[1], format)} | {Format(medians[2], format)} | {Format(ratio, "F2")} |");
        }

        return text.ToString();
    }

    /// <summary>Each round's per-operation figures, so the spread behind a median is on the page too.</summary>
    public static string Rounds(IReadOnlyList<TargetResult> results, int targetsPerRound)
    {
        var text = new StringBuilder();
        text.AppendLine("| round | target | CPU per connect, ms (first / warm) | CPU per delivery, µs | idle CPU, ms/s | idle KiB per connection | p99 ms |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {(i / targetsPerRound) + 1} | {r.Target} | {r.CpuPerConnectMs:F2} / {r.WarmCpuPerConnectMs:F2} | {r.CpuPerDeliveryUs:F1} | {r.IdleCpuMsPerSecond:F1} | {r.IdleKiBPerConnection:F1} | {r.P99Ms:F2} |");
        }

        return text.ToString();
    }

    private static string Format(double value, string format) =>
        double.IsNaN(value) || double.IsInfinity(value) ? "—" : value.ToString(format, CultureInfo.InvariantCulture);
}
