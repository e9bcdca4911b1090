using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Cluster.Locks;
using Odin.Hosting.Keys;
using Odin.Shared.Redis;
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

        var answers = await Task.WhenAll(tenants.SelectMany(t => clients.Select(async client =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/odin/identity-key") { Headers = { Host = t.Domain } };
            using var response = await client.SendAsync(request);
            await OdinApi.EnsureAsync(response, System.Net.HttpStatusCode.OK);
            var jwk = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return (t.Domain, Key: $"{jwk.GetProperty("crv").GetString()}:{jwk.GetProperty("x").GetString()}:{jwk.GetProperty("y").GetString()}");
        })));

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
}
