using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Odin.Hosting.Storage;

/// <summary>
/// Odin.Hosting is ready while its database answers; Redis is not needed to accept writes. The answer says only that
/// (<c>/health/ready</c> may be reachable from outside); the reason goes to the log.
/// </summary>
internal sealed partial class DatabaseReadinessCheck(IDatabase database, ILogger<DatabaseReadinessCheck> logger) : IHealthCheck
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
            LogNotAnswering(logger, ex.Message);
            return HealthCheckResult.Unhealthy("the database does not answer");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not ready: the database does not answer ({Reason})")]
    private static partial void LogNotAnswering(ILogger logger, string reason);
}
