using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Certificates;
using Odin.Testing;
using Xunit.Abstractions;
using IDatabase = Odin.Hosting.Storage.IDatabase;

namespace Odin.Cluster.Tests.Certificates;

/// <summary>
/// Three instances on one PostgreSQL and Redis, each serving HTTPS by SNI, renewing from a real pebble that
/// validates HTTP-01 against the first instance only (the others' answers reach it through the shared cache).
/// </summary>
public sealed class RenewalAcrossInstancesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Tenants = 20;
    private readonly int[] _httpPorts = [FreePort.Next(), FreePort.Next(), FreePort.Next()];
    private readonly int[] _httpsPorts = [FreePort.Next(), FreePort.Next(), FreePort.Next()];
    private PebbleServer _pebble = null!;
    private ClusterOnOwnServers _servers = null!;

    public async Task InitializeAsync()
    {
        _pebble = await PebbleServer.StartAsync(validationPort: _httpPorts[0]);
        _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 3, gatewayCount: 0,
            new Dictionary<string, string?>
            {
                ["Odin:Acme:DirectoryUrl"] = _pebble.DirectoryUrl.ToString(),
                ["Odin:Acme:TrustedRootPath"] = _pebble.TrustedRootPath,
                ["Odin:Acme:CheckInterval"] = "1.00:00:00", // renewal below is triggered by the test, everywhere at once
                ["Odin:Jobs:PollInterval"] = "00:00:00.100",
            },
            perHost: i => new Dictionary<string, string?> { ["urls"] = $"http://127.0.0.1:{_httpPorts[i]};https://127.0.0.1:{_httpsPorts[i]}" });
    }

    public async Task DisposeAsync()
    {
        await _servers.DisposeAsync();
        await _pebble.DisposeAsync();
    }

    [Fact]
    public async Task Renewal_triggered_on_three_instances_at_once_orders_once_per_domain_and_every_instance_serves_the_new_certificate_within_5_s()
    {
        var hosts = _servers.Cluster.Hosting;
        var api = new OdinApi(hosts[0].CreateClient());
        var domains = (await Task.WhenAll(Enumerable.Range(0, Tenants).Select(_ => api.CreateTenantAsync()))).Select(t => t.Domain).ToList();
        var database = hosts[0].Services.GetRequiredService<IDatabase>();
        await using var connection = await database.OpenAsync();
        await Eventually.TrueAsync(async () => await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM certificates") == Tenants,
            "every new identity's first certificate", TimeSpan.FromSeconds(60));
        Assert.Equal(Tenants, await _pebble.OrdersAsync());

        // All of them now expire tomorrow: due for renewal.
        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        await connection.ExecuteAsync("UPDATE certificates SET not_after = @tomorrow", new { tomorrow });

        var renewed = await Task.WhenAll(hosts.Select(h => h.Services.GetRequiredService<CertificateRenewal>().RenewDueAsync()));
        var stored = Stopwatch.StartNew();
        output.WriteLine($"renewed per instance: {string.Join(", ", renewed)}; pebble orders in all: {await _pebble.OrdersAsync()}");
        Assert.Equal(Tenants, renewed.Sum());
        Assert.Equal(2 * Tenants, await _pebble.OrdersAsync()); // exactly one new order per domain
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM certificates WHERE not_after <= @tomorrow", new { tomorrow }));

        var newest = (await connection.QueryAsync<(string Domain, string Chain)>("SELECT domain, chain_pem FROM certificates"))
            .ToDictionary(r => r.Domain, r => X509Certificate2.CreateFromPem(r.Chain).Thumbprint);
        await Eventually.TrueAsync(async () =>
        {
            foreach (var port in _httpsPorts)
            {
                foreach (var domain in domains)
                {
                    if ((await TlsProbe.CertificateAsync(port, domain))?.Thumbprint != newest[domain])
                    {
                        return false;
                    }
                }
            }

            return true;
        }, "every instance to serve every renewed certificate", TimeSpan.FromSeconds(5));
        output.WriteLine($"all 3 instances served all {Tenants} new certificates {stored.ElapsedMilliseconds} ms after the renewals returned");
    }
}
