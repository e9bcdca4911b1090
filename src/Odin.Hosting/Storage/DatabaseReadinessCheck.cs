using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Odin.Hosting.Storage;

/// <summary>Odin.Hosting is ready while its database answers; Redis is not needed to accept writes.</summary>
internal sealed class DatabaseReadinessCheck(IDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteScalarAsync<int>("SELECT 1");
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"the database does not answer: {ex.Message}");
        }
    }
}
