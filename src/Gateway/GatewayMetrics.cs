using System.Diagnostics.Metrics;
using Odin.Gateway.Connections;
using Odin.ClusterPrimitives.Auth;
using Odin.ClusterPrimitives.Observability;
using Odin.ClusterPrimitives.Redis;

namespace Odin.Gateway;

/// <summary>
/// The gateway's instruments (meter <c>Odin.Gateway</c>), exported at <c>/metrics</c> in Prometheus format
/// together with ASP.NET Core's own SignalR and Kestrel meters.
/// </summary>
internal sealed class GatewayMetrics : Odin.ClusterPrimitives.Reports.IInstanceFigures
{
    public const string MeterName = "Odin.Gateway";

    private readonly Meter _meter;
    private readonly ExportedCount _refused;
    private readonly ExportedCount _delivered;
    private readonly ExportedCount _slowConsumers;
    private readonly Counter<long> _hubCalls;
    private readonly Histogram<double> _deliveryLatency;
    private readonly ExportedCount _resyncs;
    private readonly LocalConnections _connections;
    private readonly RecentLatencies _recent = new();
    private Func<int> _identities = () => 0;

    public GatewayMetrics(IMeterFactory meters, LocalConnections connections, IServiceProvider services)
    {
        var meter = _meter = meters.Create(MeterName);
        _connections = connections;
        // Observed, not counted up and down: the value is what this instance holds at the scrape.
        meter.CreateObservableUpDownCounter("odin.gateway.connections", () => connections.Count, description: "Device connections held by this instance");
        meter.CreateObservableUpDownCounter("odin.gateway.subscriptions", () => connections.Subscriptions, description: "Drive subscriptions held by this instance");
        _refused = new ExportedCount(meter, "odin.gateway.refused", "Connections refused or closed, by reason (RefusalReason)", "reason", RefusalReason.All);
        _delivered = new ExportedCount(meter, "odin.gateway.notifications.delivered", "Notifications sent to device connections of this instance");
        _slowConsumers = new ExportedCount(meter, "odin.gateway.slow_consumers", "Connections closed because notifications waited for them beyond the send queue limit");
        _resyncs = new ExportedCount(meter, "odin.gateway.resyncs", "Devices told to re-read /changes (the history could not cover their gap)");
        _hubCalls = meter.CreateCounter<long>("odin.gateway.hub.calls", description: "Hub calls by method and outcome (ok, error: a hub error answered, refused: over the call budget)");
        // Once per notification per gateway, at its fan-out: from the change's commit (the envelope's time) to the
        // moment this gateway hands it to its devices' send queues (each device's own socket adds its wait to that).
        _deliveryLatency = meter.CreateHistogram<double>("odin.gateway.delivery.latency", unit: "s",
            description: "From a change's commit to this gateway's fan-out to its devices",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        var tokenKeys = services.GetRequiredService<IDeviceTokenKeys>();
        meter.CreateObservableGauge("odin.gateway.token_keys", () => tokenKeys.ValidationKeys.Count,
            description: "Installation keys this instance accepts device tokens under (two while the signing key is rotated)");
        if (services.GetService<RedisHealth>() is { } redis)
        {
            meter.CreateObservableCounter("odin.gateway.backplane.errors", () => redis.Failures, description: "Redis connection failures (notification bus and broker)");
            meter.CreateObservableCounter("odin.gateway.backplane.reconnects", () => redis.Restorations, description: "Redis connections restored after a failure");
        }
    }

    /// <summary>Identities whose channel this instance is subscribed to (their streams count them: <c>IdentityStreams</c>).</summary>
    public void ObserveIdentities(Func<int> count)
    {
        _identities = count;
        _meter.CreateObservableUpDownCounter("odin.gateway.identities", count, description: "Identities whose notification channel this instance is subscribed to");
    }

    /// <param name="reason">One of <see cref="RefusalReason"/>.</param>
    public void Refused(string reason) => _refused.Add(labelValue: reason);

    public void Resynced(int devices) => _resyncs.Add(devices);

    /// <summary>A notification committed at <paramref name="committedAtMs"/> (Unix ms) went out to <paramref name="connections"/> devices here.</summary>
    public void Delivered(int connections, long committedAtMs)
    {
        _delivered.Add(connections);
        if (connections > 0)
        {
            var latency = Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - committedAtMs) / 1000.0;
            _deliveryLatency.Record(latency);
            _recent.Record(latency);
        }
    }

    public void HubCall(string method, string outcome) =>
        _hubCalls.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("outcome", outcome));

    public void SlowConsumer() => _slowConsumers.Add();

    public void Add(IDictionary<string, double> figures, IDictionary<string, string> status)
    {
        figures["devices"] = _connections.Count;
        figures["subscriptions"] = _connections.Subscriptions;
        figures["identities"] = _identities();
        figures["delivered"] = _delivered.Read();
        figures["slowConsumers"] = _slowConsumers.Read();
        figures["resyncs"] = _resyncs.Read();
        foreach (var reason in RefusalReason.All)
        {
            figures[$"refused.{reason}"] = _refused.Read(reason);
        }

        if (_recent.Percentiles() is { } recent)
        {
            figures["latencyP50"] = recent.P50;
            figures["latencyP99"] = recent.P99;
        }
    }
}

/// <summary>The <c>reason</c> label of <c>odin_gateway_refused_total</c>.</summary>
internal static class RefusalReason
{
    public const string Draining = "draining";
    public const string DeviceLimit = "device-limit";
    public const string IdentityLimit = "identity-limit";
    public const string CallRate = "call-rate";
    public const string Revoked = "revoked";

    public static readonly string[] All = [Draining, DeviceLimit, IdentityLimit, CallRate, Revoked];
}

/// <summary>
/// The commit-to-fan-out latencies of the last <see cref="Capacity"/> notifications, for the dashboard's p50 and p99
/// (Prometheus users take them from the histogram instead).
/// </summary>
internal sealed class RecentLatencies
{
    private const int Capacity = 1024;
    private readonly double[] _seconds = new double[Capacity];
    private long _count;

    public void Record(double seconds)
    {
        var at = Interlocked.Increment(ref _count) - 1;
        _seconds[at % Capacity] = seconds;
    }

    public (double P50, double P99)? Percentiles()
    {
        var count = (int)Math.Min(Interlocked.Read(ref _count), Capacity);
        if (count == 0)
        {
            return null;
        }

        var sorted = _seconds.AsSpan(0, count).ToArray();
        Array.Sort(sorted);
        return (sorted[(int)(count * 0.5)], sorted[Math.Min(count - 1, (int)(count * 0.99))]);
    }
}
