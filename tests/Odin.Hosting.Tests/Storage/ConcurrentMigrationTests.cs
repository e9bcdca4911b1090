using Dapper;
using Npgsql;
using Odin.Testing;

namespace Odin.Hosting.Tests.Storage;

[Collection(PostgresCollection.Name)]
public sealed class ConcurrentMigrationTests(PostgresServer postgres)
{
    [Fact]
    public async Task Two_hosts_starting_together_on_one_PostgreSQL_apply_each_migration_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Odin:Database:Provider"] = "Postgres",
            ["Odin:Database:ConnectionString"] = connectionString,
        };

        var hosts = await Task.WhenAll(OdinHost.StartAsync(settings), OdinHost.StartAsync(settings));
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            var versions = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToList();
            Assert.Equal(Enumerable.Range(1, DatabaseTest.MigrationCount), versions.Order());

            // Both serve: a tenant created through one is in the database both read.
            var tenant = await new OdinApi(hosts[0].CreateClient()).CreateTenantAsync();
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM tenants WHERE id = @id", new { id = tenant.TenantId.ToString() }));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}
