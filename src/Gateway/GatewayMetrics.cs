using System.Diagnostics.Metrics;
using Odin.Gateway.Connections;
using Odin.Shared.Redis;

namespace Odin.Gateway;

/// <summary>
/// The gateway's instruments (meter <c>Odin.Gateway</c>), exported at <c>/metrics</c> in Prometheus format
/// together with ASP.NET Core's own SignalR and Kestrel meters.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "Odin.Gateway";

    private readonly Meter _meter;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _slowConsumers;

    public GatewayMetrics(IMeterFactory meters, LocalConnections connections, IServiceProvider services)
    {
        var meter = _meter = meters.Create(MeterName);
        // Observed, not counted up and down: the value is what this instance holds at the scrape.
        meter.CreateObservableUpDownCounter("odin.gateway.connections", () => connections.Count, description: "Device connections held by this instance");
        meter.CreateObservableUpDownCounter("odin.gateway.subscriptions", () => connections.Subscriptions, description: "Drive subscriptions held by this instance");
        _refused = meter.CreateCounter<long>("odin.gateway.refused", description: "Connections closed for a limit or a flood of calls");
        _delivered = meter.CreateCounter<long>("odin.gateway.notifications.delivered", description: "Notifications sent to device connections of this instance");
        _slowConsumers = meter.CreateCounter<long>("odin.gateway.slow_consumers", description: "Connections closed because notifications waited for them beyond the send queue limit");
        // Exported from the first scrape, at 0, not from the first event.
        _refused.Add(0);
        _delivered.Add(0);
        _slowConsumers.Add(0);
        if (services.GetService<RedisHealth>() is { } redis)
        {
            meter.CreateObservableCounter("odin.gateway.backplane.errors", () => redis.Failures, description: "Redis connection failures (notification bus and broker)");
        }
    }

    /// <summary>Identities whose channel this instance is subscribed to (their streams count them: <c>IdentityStreams</c>).</summary>
    public void ObserveIdentities(Func<int> count) =>
        _meter.CreateObservableUpDownCounter("odin.gateway.identities", count, description: "Identities whose notification channel this instance is subscribed to");

    public void Refused() => _refused.Add(1);

    public void Delivered(int connections) => _delivered.Add(connections);

    public void SlowConsumer() => _slowConsumers.Add(1);
}
