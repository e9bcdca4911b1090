using System.Net;
using Dapper;
using Odin.Hosting.Security;
using Odin.Hosting.Storage;
using Odin.Testing;
using IDatabase = Odin.Hosting.Storage.IDatabase;

namespace Odin.Cluster.Tests;

/// <summary>Instances starting together on one database schedule each identity's health check once.</summary>
public sealed class SecurityHealthSchedulingTests : IAsyncLifetime
{
    private ClusterOnOwnServers _servers = null!;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 1, gatewayCount: 0,
        new Dictionary<string, string?> { ["Odin:Jobs:PollInterval"] = "00:00:00.100" });

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task Three_instances_starting_at_once_schedule_the_health_check_once_per_identity_and_each_identity_gets_its_report()
    {
        var cluster = _servers.Cluster;
        var first = cluster.Hosting[0];
        var api = new OdinApi(first.CreateClient());
        var tenants = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => api.CreateTenantAsync()));
        await first.DisposeAsync();
        await using var database = (IAsyncDisposable)StorageComposition.Create(
            new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = cluster.DatabaseConnectionString });
        await using (var connection = await ((IDatabase)database).OpenAsync())
        {
            // Only what start-up schedules counts: forget the jobs tenant creation and the first instance made.
            await connection.ExecuteAsync("DELETE FROM jobs; DELETE FROM security_health;");
        }

        await cluster.AddHostingAsync(3);

        await using var check = await ((IDatabase)database).OpenAsync();
        await Eventually.TrueAsync(async () => await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM security_health") == 20,
            "every identity to get its report", TimeSpan.FromSeconds(30));
        Assert.Equal(20, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM jobs WHERE type = @Type", new { SecurityHealthCheck.Type }));
        Assert.Equal(20, await check.ExecuteScalarAsync<int>("SELECT COUNT(DISTINCT unique_key) FROM jobs WHERE type = @Type", new { SecurityHealthCheck.Type }));
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM jobs WHERE type = @Type", new { SecurityHealthScheduler.Type }));

        var owner = tenants[0];
        using var report = await new OdinApi(cluster.Hosting[^1].CreateClient()).SendAsync(HttpMethod.Get, "/api/v1/owner/security/health", owner.OwnerToken, owner.Domain);
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
    }
}
