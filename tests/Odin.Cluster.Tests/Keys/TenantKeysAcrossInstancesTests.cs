using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Certificates;
using Odin.Hosting.Cluster.Locks;
using Odin.Hosting.Keys;
using Odin.ClusterPrimitives.Redis;
using Odin.Testing;
using StackExchange.Redis;
using IDatabase = Odin.Hosting.Storage.IDatabase;

namespace Odin.Cluster.Tests.Keys;

/// <summary>Identity keys created on first need by many instances at once, on a real Redis (RedLock) and PostgreSQL.</summary>
public sealed class TenantKeysAcrossInstancesTests : IAsyncLifetime
{
    private ClusterOnOwnServers _servers = null!;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 8, gatewayCount: 0);

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task Eight_instances_asked_for_a_hundred_new_identities_keys_at_once_create_exactly_one_each_and_all_answer_it()
    {
        var hosts = _servers.Cluster.Hosting;
        var api = new OdinApi(hosts[0].CreateClient());
        var tenants = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => api.CreateTenantAsync()));
        var clients = hosts.Select(h => h.CreateClient()).ToList();

        // Every instance asks for an identity's key at the same moment, 25 identities at a time: the eight instances share
        // this test process's thread pool, and 800 requests at once (each a P-384 key made) starved it until Redis calls
        // timed out (seen: 5.9 s for an HSET with 322 work items queued), which no deployment of eight processes shares.
        var answers = new List<(string Domain, string Key)>();
        foreach (var wave in tenants.Chunk(25))
        {
            answers.AddRange(await Task.WhenAll(wave.SelectMany(t => clients.Select(async client =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/odin/identity-key") { Headers = { Host = t.Domain } };
                using var response = await client.SendAsync(request);
                await OdinApi.EnsureAsync(response, System.Net.HttpStatusCode.OK);
                var jwk = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                return (t.Domain, Key: $"{jwk.GetProperty("crv").GetString()}:{jwk.GetProperty("x").GetString()}:{jwk.GetProperty("y").GetString()}");
            }))));
        }

        Assert.All(answers.GroupBy(a => a.Domain), perTenant => Assert.Single(perTenant.Select(a => a.Key).Distinct()));
        Assert.All(answers, a => Assert.StartsWith("P-384:", a.Key));
        Assert.Equal(100, answers.Select(a => a.Key).Distinct().Count());
        await using var connection = await hosts[0].Services.GetRequiredService<IDatabase>().OpenAsync();
        Assert.Equal(100, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM keys WHERE kind = 'identity'"));
    }
}

/// <summary>A key creation whose RedLock is lost under it, on a real Redis and PostgreSQL; a short lock expiry so loss shows fast.</summary>
public sealed class LostKeyLockTests : IAsyncLifetime
{
    private ClusterOnOwnServers _servers = null!;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 2, gatewayCount: 0,
        new Dictionary<string, string?> { ["Odin:Locks:Expiry"] = "00:00:01" });

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task A_lock_lost_mid_work_never_stores_a_second_key()
    {
        var (a, b) = (_servers.Cluster.Hosting[0].Services, _servers.Cluster.Hosting[1].Services);
        var owner = Guid.NewGuid().ToString();
        var resource = $"key:{owner}:identity";

        // A takes the lock and is about to store its key; the lock expires under it (deleted in Redis) and B takes it.
        var locks = (A: a.GetRequiredService<IDistributedLock>(), B: b.GetRequiredService<IDistributedLock>());
        var heldByA = await locks.A.TryAcquireAsync(resource, TimeSpan.FromSeconds(5));
        Assert.NotNull(heldByA);
        await a.GetRequiredService<IConnectionMultiplexer>().GetDatabase().KeyDeleteAsync(a.GetRequiredService<RedisNames>().Lock(resource));
        await using var heldByB = await locks.B.TryAcquireAsync(resource, TimeSpan.FromSeconds(5));
        Assert.NotNull(heldByB);
        await Eventually.TrueAsync(() => !heldByA.IsHeld, "A's lock renewal to find B holding the lock");

        // B stores its key; A, late, stores nothing: neither over B's key nor (having noticed the loss) for a fresh owner.
        using (var keyOfB = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        using (var keyOfA = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            Assert.True(await b.GetRequiredService<KeyStore>().InsertIfAbsentAsync(owner, KeyKind.Identity, keyOfB, heldByB, CancellationToken.None));
            Assert.False(await a.GetRequiredService<KeyStore>().InsertIfAbsentAsync(owner, KeyKind.Identity, keyOfA, heldByA, CancellationToken.None));
            var fresh = Guid.NewGuid().ToString();
            Assert.False(await a.GetRequiredService<KeyStore>().InsertIfAbsentAsync(fresh, KeyKind.Identity, keyOfA, heldByA, CancellationToken.None));
            await using var connection = await a.GetRequiredService<IDatabase>().OpenAsync();
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM keys WHERE owner = @owner", new { owner }));
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM keys WHERE owner = @fresh", new { fresh }));
            Assert.Equal(keyOfB.ExportSubjectPublicKeyInfoPem(), (await a.GetRequiredService<KeyStore>().GetOrCreateAsync(owner, KeyKind.Identity)).PublicKeyPem);
        }

        await heldByA.DisposeAsync();
    }

    [Fact]
    public async Task A_renewal_whose_lock_was_lost_mid_order_never_stores_a_second_certificate()
    {
        var (a, b) = (_servers.Cluster.Hosting[0].Services, _servers.Cluster.Hosting[1].Services);
        var domain = $"lost-{Guid.NewGuid():N}.example";
        Assert.True(await a.GetRequiredService<CertificateRenewal>().RenewIfDueAsync(domain)); // a first certificate (self-signed here)
        await using var connection = await a.GetRequiredService<IDatabase>().OpenAsync();
        await connection.ExecuteAsync("UPDATE certificates SET not_after = @due WHERE domain = @domain",
            new { due = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(), domain }); // due for renewal

        // A takes the renewal lock and reads the expiry it will replace; the lock expires under it while it orders.
        var heldByA = await a.GetRequiredService<IDistributedLock>().TryAcquireAsync($"cert:{domain}", TimeSpan.FromSeconds(5));
        Assert.NotNull(heldByA);
        var seenByA = await a.GetRequiredService<CertificateStore>().NotAfterAsync(domain);

        // B renews meanwhile (the lock deleted again should A's renewal timer have put it back just then); A's order
        // finishes late and its save is refused: the expiry it saw is gone.
        await Eventually.TrueAsync(async () =>
        {
            await a.GetRequiredService<IConnectionMultiplexer>().GetDatabase().KeyDeleteAsync(a.GetRequiredService<RedisNames>().Lock($"cert:{domain}"));
            return await b.GetRequiredService<CertificateRenewal>().RenewIfDueAsync(domain);
        }, "B to renew while A's lock is gone");
        var issuedForA = await new SelfSignedCertificates(TimeProvider.System).IssueAsync(domain, CancellationToken.None);
        Assert.False(await a.GetRequiredService<CertificateStore>().SaveAsync(domain, issuedForA, "self-signed", seenByA));

        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM certificates WHERE domain = @domain", new { domain }));
        var stored = await connection.ExecuteScalarAsync<string>("SELECT chain_pem FROM certificates WHERE domain = @domain", new { domain });
        Assert.NotEqual(issuedForA.ChainPem, stored);
        await heldByA.DisposeAsync();
    }
}
