using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Odin.Gateway.Hub;

/// <summary>Not ready from the first moment of a drain, so the load balancer sends new devices elsewhere.</summary>
internal sealed class DrainReadinessCheck(GatewayDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("draining") : HealthCheckResult.Healthy());
}
