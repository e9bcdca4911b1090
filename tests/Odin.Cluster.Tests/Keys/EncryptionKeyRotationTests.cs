using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Acme;
using Odin.Hosting.Certificates;
using Odin.Hosting.Keys;
using Odin.Testing;
using IDatabase = Odin.Hosting.Storage.IDatabase;

namespace Odin.Cluster.Tests.Keys;

/// <summary>
/// Rotating the keys' encryption key as docs/operations.md says, on 2 Hosting instances on a real Redis and PostgreSQL:
/// an instance not yet switched reads what a switched one stored, the re-encryption leaves nothing under the old key, and
/// once it is retired every identity's keys and every certificate are still the same.
/// </summary>
public sealed class EncryptionKeyRotationTests : IAsyncLifetime
{
    private static readonly string NextKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private ClusterOnOwnServers _servers = null!;

    private InProcessCluster Cluster => _servers.Cluster;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 2, gatewayCount: 0);

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task The_encryption_key_rotates_in_three_rolling_restarts_and_a_re_encryption_and_every_stored_key_stays_the_same()
    {
        // Under the old key: an identity with its signing key and a device (its device-token key), and a certificate.
        var before = await IdentityWithKeysAsync(Cluster.Hosting[0]);
        await SaveCertificateAsync(Cluster.Hosting[0], "before.example");

        // 1. Announce: every instance opens the next key too, and still seals with the old one.
        await Cluster.RollHostingAsync(new Dictionary<string, string?> { ["Odin:Keys:AlsoAcceptedEncryptionKey"] = NextKey });

        // 2. Switch, one instance at a time: the first switched stores under the next key what the other, not yet
        //    switched, reads.
        var switched = new Dictionary<string, string?> { ["Odin:Keys:EncryptionKey"] = NextKey, ["Odin:Keys:AlsoAcceptedEncryptionKey"] = OdinHost.EncryptionKey };
        await Cluster.RestartHostingAsync(0, switched);
        var during = await IdentityWithKeysAsync(Cluster.Hosting[0]);
        Assert.Equal(during.IdentityKey, await IdentityKeyAsync(Cluster.Hosting[1], during.Domain));
        await SaveCertificateAsync(Cluster.Hosting[0], "during.example");
        await Cluster.RestartHostingAsync(1, switched);

        // 3. Re-encrypt: what the old key sealed is sealed again (at least the first identity's 2 keys and the first
        //    certificate; identities' own certificates are made by a job, under whichever key was current then); a second
        //    run finds nothing, and the next key alone opens every stored secret.
        var first = await ReencryptAsync();
        Assert.InRange(first.ReEncrypted, 3, int.MaxValue);
        Assert.InRange(first.AlreadyCurrent, 3, int.MaxValue);
        Assert.Equal(0, first.Unreadable);
        Assert.Equal(Fingerprint(NextKey), first.SealingKey);
        Assert.Equal(new Report(0, first.ReEncrypted + first.AlreadyCurrent, 0, Fingerprint(NextKey)), await ReencryptAsync());
        Assert.All(await StoredSecretsAsync(), secret => new KeyEncryption(Convert.FromBase64String(NextKey)).Decrypt(secret.Sealed, secret.Purpose));

        // 4. Retire the old key: every key and certificate reads as before, and devices still get tokens.
        await Cluster.RollHostingAsync(new Dictionary<string, string?> { ["Odin:Keys:EncryptionKey"] = NextKey, ["Odin:Keys:AlsoAcceptedEncryptionKey"] = "" });
        foreach (var hosting in Cluster.Hosting)
        {
            foreach (var identity in new[] { before, during })
            {
                Assert.Equal(identity.IdentityKey, await IdentityKeyAsync(hosting, identity.Domain));
                Assert.Equal(HttpStatusCode.OK, await DeviceTokenStatusAsync(hosting, identity));
            }

            var certificates = hosting.Services.GetRequiredService<CertificateStore>();
            await Eventually.TrueAsync(() => certificates.Find("before.example") is not null && certificates.Find("during.example") is not null,
                "both certificates served after the old key is gone");
        }
    }

    [Fact]
    public async Task An_instance_with_neither_key_that_sealed_a_secret_says_so_and_the_re_encryption_leaves_it_alone()
    {
        var identity = await IdentityWithKeysAsync(Cluster.Hosting[0]);
        await Cluster.RestartHostingAsync(1, new Dictionary<string, string?> { ["Odin:Keys:EncryptionKey"] = NextKey });

        using var response = await Cluster.Hosting[1].CreateClient().SendAsync(IdentityKeyRequest(identity.Domain));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Cryptographic", body, StringComparison.OrdinalIgnoreCase);

        using var reencrypt = await new OdinApi(Cluster.Hosting[1].CreateClient()).SendAsync(HttpMethod.Post, "/api/v1/admin/keys/re-encrypt", OdinHost.AdminKey, null);
        var report = (await reencrypt.Content.ReadFromJsonAsync<Report>())!;
        Assert.Equal(0, report.ReEncrypted);
        Assert.Equal(Fingerprint(NextKey), report.SealingKey);
        Assert.NotEqual(Fingerprint(OdinHost.EncryptionKey), report.SealingKey);
        Assert.InRange(report.Unreadable, 2, int.MaxValue); // the identity's keys (and its certificate, if its job ran before)
        Assert.Equal(identity.IdentityKey, await IdentityKeyAsync(Cluster.Hosting[0], identity.Domain));
    }

    private sealed record Report(int ReEncrypted, int AlreadyCurrent, int Unreadable, string SealingKey);

    /// <summary>What the runbook has the operator compare with the report's <c>sealingKey</c>.</summary>
    private static string Fingerprint(string key) => Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(key)))[..16];

    private sealed record Identity(string Domain, string IdentityKey, DeviceHandle Device);

    /// <summary>A new identity whose signing key and device-token key are stored (by <paramref name="hosting"/>).</summary>
    private static async Task<Identity> IdentityWithKeysAsync(OdinHost hosting)
    {
        var (tenant, _, device) = await new OdinApi(hosting.CreateClient()).CreateReaderAsync();
        return new Identity(tenant.Domain, await IdentityKeyAsync(hosting, tenant.Domain), device);
    }

    private static HttpRequestMessage IdentityKeyRequest(string domain) =>
        new(HttpMethod.Get, "/.well-known/odin/identity-key") { Headers = { Host = domain } };

    private static async Task<string> IdentityKeyAsync(OdinHost hosting, string domain)
    {
        using var response = await hosting.CreateClient().SendAsync(IdentityKeyRequest(domain));
        await OdinApi.EnsureAsync(response, HttpStatusCode.OK);
        var jwk = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return $"{jwk.GetProperty("x").GetString()}:{jwk.GetProperty("y").GetString()}";
    }

    private static async Task<HttpStatusCode> DeviceTokenStatusAsync(OdinHost hosting, Identity identity)
    {
        using var response = await new OdinApi(hosting.CreateClient()).SendAsync(HttpMethod.Post, "/api/v1/device/token", null, identity.Domain,
            new { deviceId = identity.Device.DeviceId, deviceSecret = identity.Device.Secret });
        return response.StatusCode;
    }

    private static async Task SaveCertificateAsync(OdinHost hosting, string domain)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(30));
        var issued = new IssuedCertificate(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKey(), certificate.NotAfter.ToUniversalTime());
        Assert.True(await hosting.Services.GetRequiredService<CertificateStore>().SaveAsync(domain, issued, "self-signed", replacing: null));
    }

    private async Task<Report> ReencryptAsync()
    {
        using var response = await new OdinApi(Cluster.Hosting[0].CreateClient()).SendAsync(HttpMethod.Post, "/api/v1/admin/keys/re-encrypt", OdinHost.AdminKey, null);
        await OdinApi.EnsureAsync(response, HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<Report>())!;
    }

    /// <summary>Every sealed secret in the database, with what its encryption is bound to.</summary>
    private async Task<List<(byte[] Sealed, string Purpose)>> StoredSecretsAsync()
    {
        await using var connection = await Cluster.Hosting[0].Services.GetRequiredService<IDatabase>().OpenAsync();
        var keys = await connection.QueryAsync<(string Owner, string Kind, byte[] Sealed)>("SELECT owner, kind, private_key FROM keys");
        var certificates = await connection.QueryAsync<(string Domain, byte[] Sealed)>("SELECT domain, private_key FROM certificates");
        return [.. keys.Select(k => (k.Sealed, $"key:{k.Owner}:{k.Kind}")), .. certificates.Select(c => (c.Sealed, $"certificate:{c.Domain}"))];
    }
}
