using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Security;

public sealed record SecurityFinding(string Code, string Detail);

public sealed record SecurityHealth(long CheckedAt, IReadOnlyList<SecurityFinding> Findings);

/// <summary>
/// The per-identity security health check, a recurring job with one unique key per identity: however many
/// instances schedule it, each identity has exactly one, and its result is written with the job's completion.
/// </summary>
public sealed class SecurityHealthCheck(IDatabase database, IOptions<SecurityOptions> options, TimeProvider time) : IJobHandler
{
    public const string Type = "odin.security.health-check";

    private sealed record Payload(Guid TenantId);

    /// <summary>The job for one identity; enqueueing it again while it is pending does nothing.</summary>
    public static JobRequest For(Guid tenantId, SecurityOptions options) =>
        new(Type, JsonSerializer.Serialize(new Payload(tenantId), JsonSerializerOptions.Web))
        {
            UniqueKey = $"{Type}:{tenantId:N}",
            Every = options.HealthCheckInterval,
        };

    public async Task RunAsync(JobContext job, CancellationToken cancellationToken)
    {
        var tenantId = job.PayloadAs<Payload>().TenantId;
        var now = time.GetUtcNow();
        var staleBefore = (now - options.Value.StaleDeviceAge).ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        var staleDevices = await connection.ExecuteScalarAsync<int>(
            """
            SELECT COUNT(*) FROM devices d
            LEFT JOIN last_seen s ON s.tenant_id = d.tenant_id AND s.subject = d.id
            WHERE d.tenant_id = @tenantId AND d.revoked_at IS NULL AND COALESCE(s.seen_at, d.created_at) < @staleBefore
            """,
            new { tenantId, staleBefore });
        var ownerTokens = await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM owner_tokens WHERE tenant_id = @tenantId", new { tenantId });

        var findings = new List<SecurityFinding>();
        if (staleDevices > 0)
        {
            findings.Add(new("stale-devices",
                $"{staleDevices} device(s) can still sign in but were not seen for {options.Value.StaleDeviceAge.TotalDays:0} days: revoke the ones you no longer use."));
        }

        if (ownerTokens > options.Value.MaxOwnerTokens)
        {
            findings.Add(new("many-owner-tokens", $"{ownerTokens} owner tokens exist (more than {options.Value.MaxOwnerTokens}); each is a way in."));
        }

        // Written with the job's completion: exactly once per run, even if a run is repeated.
        job.OnComplete(write => write.Connection.ExecuteAsync(
            """
            INSERT INTO security_health (tenant_id, checked_at, findings) VALUES (@tenantId, @checkedAt, @findings)
            ON CONFLICT (tenant_id) DO UPDATE SET checked_at = excluded.checked_at, findings = excluded.findings
            """,
            new { tenantId, checkedAt = now.ToUnixTimeMilliseconds(), findings = JsonSerializer.Serialize(findings, JsonSerializerOptions.Web) },
            write.Transaction));
    }

    public static async Task<SecurityHealth?> LatestAsync(IDatabase database, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long CheckedAt, string? Findings)>(
            "SELECT checked_at, findings FROM security_health WHERE tenant_id = @tenantId", new { tenantId });
        return row.Findings is null
            ? null
            : new SecurityHealth(row.CheckedAt, JsonSerializer.Deserialize<List<SecurityFinding>>(row.Findings, JsonSerializerOptions.Web) ?? []);
    }
}
