using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Odin.ClusterPrimitives.Redis;

namespace Odin.ClusterPrimitives.Observability;

/// <summary>
/// <c>/health/live</c> (the process answers), <c>/health/ready</c> (Redis reachable where configured, not
/// shutting down) and Prometheus <c>/metrics</c>, the same on the Gateway and Odin.Hosting.
/// </summary>
public static class ObservabilityComposition
{
    /// <param name="serviceName">The process's <c>service.name</c> (<c>target_info</c>): <c>odin-hosting</c> or <c>odin-gateway</c>.</param>
    public static IServiceCollection AddOdinObservability(this IServiceCollection services, string serviceName, params string[] meters)
    {
        // Single node: Odin.Hosting and the gateway it hosts both call this; the second only adds its meters.
        if (services.Any(s => s.ServiceType == typeof(DrainingCheck)))
        {
            ListenToOwnMeters(services, meters);
            return services;
        }

        services.AddSingleton<DrainingCheck>();
        services.AddHealthChecks().AddCheck<DrainingCheck>("draining", tags: [HealthTags.Ready]);
        // One report per process: a single node's (Hosting, with the hub inside) says both its parts' figures.
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<Odin.ClusterPrimitives.Reports.InstanceReporter>(sp, serviceName));
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics => metrics
            // Answer every scrape with current values (the exporter would otherwise serve a 300 ms old copy).
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        ListenToOwnMeters(services, [.. meters, "Microsoft.AspNetCore.Http.Connections", "Microsoft.AspNetCore.Server.Kestrel"]);
        if (TracesExported())
        {
            // The standard OTEL_* variables (endpoint, protocol, headers, sampler) configure the exporter. Without them no
            // tracer listens, and Odin's spans are never made.
            telemetry.WithTracing(tracing => tracing
                .AddSource(OdinTracing.SourceName)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"))
                .AddOtlpExporter());
        }

        return services;
    }

    /// <summary>
    /// Exports the named meters made by this host's own <see cref="System.Diagnostics.Metrics.IMeterFactory"/> only
    /// (<see cref="MeterScope.Local"/>). OpenTelemetry's <c>AddMeter</c> listens to every meter of that name in the
    /// process: where two hosts share one (the tests run gateways and Hosting instances side by side), each /metrics
    /// counted the other's events, and disposing one host retired the shared metric stream, so the survivor's counter
    /// vanished from its page.
    /// </summary>
    private static void ListenToOwnMeters(IServiceCollection services, IEnumerable<string> meters) =>
        services.AddMetrics(builder =>
        {
            foreach (var meter in meters)
            {
                builder.EnableMetrics(meter, instrumentName: null, listenerName: OpenTelemetryListenerName, scopes: MeterScope.Local);
            }
        });

    /// <summary>The name under which OpenTelemetry's <c>WithMetrics</c> registers its <c>IMetricsListener</c>.</summary>
    private const string OpenTelemetryListenerName = "OpenTelemetry";

    /// <summary>
    /// Traces go out when an OTLP endpoint is named (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or
    /// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>) or <c>OTEL_TRACES_EXPORTER=otlp</c>; off by default.
    /// </summary>
    private static bool TracesExported() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
        || string.Equals(Environment.GetEnvironmentVariable("OTEL_TRACES_EXPORTER"), "otlp", StringComparison.OrdinalIgnoreCase);

    public static IEndpointRouteBuilder MapOdinObservability(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthTags.Ready), ResponseWriter = WriteReadinessAsync });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>
    /// "Healthy", or the status followed by why, one line per check that is not healthy (its own sentence, written for
    /// an operator: no exception text), so a load balancer's log and an operator's curl say what is wrong.
    /// </summary>
    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var reasons = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"\n{e.Key}: {e.Value.Description ?? e.Value.Status.ToString()}");
        return context.Response.WriteAsync(report.Status + string.Concat(reasons));
    }

    /// <summary>
    /// Creates <typeparamref name="TInstruments"/> when the host starts, so its instruments are exported from the
    /// first scrape (a gauge nobody had asked for yet did not exist), not from the first time the code needs it.
    /// </summary>
    public static IServiceCollection AddInstrumentsAtStart<TInstruments>(this IServiceCollection services)
        where TInstruments : class =>
        services.AddHostedService<CreatedAtStart<TInstruments>>();

    private sealed class CreatedAtStart<TInstruments>(TInstruments instruments) : IHostedService
        where TInstruments : class
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(instruments);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Not ready once shutdown has begun, so the load balancer stops sending new connections.</summary>
    internal sealed class DrainingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("shutting down")
                : HealthCheckResult.Healthy());
    }
}
