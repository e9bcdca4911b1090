using System.Net;
using Npgsql;
using Odin.Testing;

namespace Odin.Hosting.Tests.Security;

/// <summary>
/// The Host header is chosen by anyone. The attack that took 4 s and 2 GB per request (a Host of 15 001
/// labels) and the flood of distinct unknown hosts, against a real Odin on Kestrel and PostgreSQL,
/// while a device of a real identity is listening.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class HostHeaderAttackTests(PostgresServer postgres)
{
    private const string Path = "/.well-known/odin/identity-key";
    private const string TenantLookup = "FROM tenants WHERE domain";

    [Fact]
    public async Task Oversized_and_invalid_hosts_get_400_without_a_query_and_unknown_hosts_cost_one_query_each_while_devices_are_served()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var host = await OdinHost.StartAsync(new Dictionary<string, string?>
        {
            ["Odin:Database:Provider"] = "Postgres",
            ["Odin:Database:ConnectionString"] = connectionString,
        });
        using var http = host.CreateClient();
        var api = new OdinApi(http);
        var tenant = await api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        await using var device = await NotificationRecorder.ConnectAsync(host.HubUrl, (await tenant.CreateDeviceAsync((drive, "read"))).AccessToken, messagePack: false);
        await device.SubscribeAsync(drive);
        using var statements = new SqlStatementLog(database);

        // The reported attack: 30 002 characters, 15 001 labels; and hosts no domain can be.
        var hugeHost = string.Join('.', Enumerable.Repeat("a", 15_001)) + "x";
        string[] invalid =
        [
            hugeHost,
            new string('a', 254) + ".example",
            string.Join('.', Enumerable.Repeat("a", 128)),
            "0x7f.0x0.0x0.0x1",
            "127.0.0.1:5000",
            "[::1]:5000",
            "under_score.example",
            "xn--.example:99999",
            "xn--zz-9999999.example",
        ];
        var attack = Enumerable.Range(0, 4).Select(async _ =>
        {
            var answers = new List<(string Host, int Status, string Body)>();
            for (var i = 0; i < 10; i++)
            {
                foreach (var bad in invalid)
                {
                    var (status, response) = await RawHttp.GetAsync(host.BaseAddress, Path, bad);
                    answers.Add((bad, status, response));
                }
            }

            return answers;
        }).ToArray();

        // Meanwhile the identity's device still hears its writes.
        var files = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var file = Guid.NewGuid();
            files.Add(file);
            await tenant.CreateFileAsync(drive, file);
        }

        var answers = (await Task.WhenAll(attack)).SelectMany(a => a).ToList();
        Assert.All(answers, a => Assert.True(a.Status == 400, $"Host '{a.Host[..Math.Min(40, a.Host.Length)]}' got {a.Status}"));
        Assert.All(answers, a => Assert.DoesNotContain("aaaa.aaaa", a.Body, StringComparison.Ordinal));
        Assert.Equal(0, statements.Count(TenantLookup));
        foreach (var file in files)
        {
            await device.WaitForAsync(n => n.FileId == file, $"fileAdded {file} during the attack");
        }

        // Distinct unknown hosts of the most labels a domain can have: one query each, whatever the labels.
        const int unknownHosts = 50;
        for (var i = 0; i < unknownHosts; i++)
        {
            var deep = string.Join('.', Enumerable.Repeat("b", 100)) + $".u{i}-{Guid.NewGuid():N}.example";
            var (status, _) = await RawHttp.GetAsync(host.BaseAddress, Path, deep);
            Assert.Equal((int)HttpStatusCode.NotFound, status);
        }

        Assert.InRange(statements.Count(TenantLookup), 1, unknownHosts);

        // A subdomain of a real identity still reaches it (the nearest parent wins).
        var (sub, _) = await RawHttp.GetAsync(host.BaseAddress, Path, "app." + tenant.Domain);
        Assert.Equal((int)HttpStatusCode.OK, sub);
    }
}
