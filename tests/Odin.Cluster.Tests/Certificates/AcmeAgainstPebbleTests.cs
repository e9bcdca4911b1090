using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Acme;
using Odin.Hosting.Certificates;
using Odin.Testing;

namespace Odin.Cluster.Tests.Certificates;

/// <summary>
/// One Odin node issuing certificates from a real pebble that validates HTTP-01 against that node, with 30 % of
/// all valid nonces refused as <c>badNonce</c> (pebble's own fault injection), so every issuance here also proves
/// the client retries them.
/// </summary>
public sealed class AcmeAgainstPebbleTests : IAsyncLifetime
{
    private readonly int _httpPort = FreePort.Next();
    private readonly int _httpsPort = FreePort.Next();
    private PebbleServer _pebble = null!;
    private OdinHost _host = null!;

    public async Task InitializeAsync()
    {
        _pebble = await PebbleServer.StartAsync(validationPort: _httpPort, nonceRejectPercent: 30);
        _host = await OdinHost.StartAsync(new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{_httpPort};https://127.0.0.1:{_httpsPort}",
            ["Odin:Acme:DirectoryUrl"] = _pebble.DirectoryUrl.ToString(),
            ["Odin:Acme:TrustedRootPath"] = _pebble.TrustedRootPath,
            ["Odin:Jobs:PollInterval"] = "00:00:00.100",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_host.DataFolder, recursive: true);
        await _pebble.DisposeAsync();
    }

    [Fact]
    public async Task A_new_identity_gets_a_certificate_from_the_authority_validated_over_http01_and_served_by_sni()
    {
        var api = new OdinApi(_host.CreateClient());
        var tenants = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => api.CreateTenantAsync()));
        var (root, intermediate) = (await _pebble.RootAsync(), await _pebble.IntermediateAsync());

        foreach (var tenant in tenants)
        {
            System.Security.Cryptography.X509Certificates.X509Certificate2? served = null;
            await Eventually.TrueAsync(async () => (served = await TlsProbe.CertificateAsync(_httpsPort, tenant.Domain)) is not null,
                $"a certificate for {tenant.Domain} over TLS", TimeSpan.FromSeconds(60));
            Assert.True(TlsProbe.ChainsTo(served!, root, intermediate, tenant.Domain), $"the certificate of {tenant.Domain} chains to pebble's root");
        }

        Assert.Null(await TlsProbe.CertificateAsync(_httpsPort, "nobody-here.example")); // no identity, no certificate
        // What the expiry alert watches: the soonest of the served certificates, in seconds from now (pebble issues for 5 years).
        var expiresIn = await PrometheusScrape.ReadAsync(_host.BaseAddress, "odin_certificates_expiry_seconds");
        Assert.InRange(expiresIn ?? -1, TimeSpan.FromDays(1).TotalSeconds, TimeSpan.FromDays(3700).TotalSeconds);
        var client = await _host.Services.GetRequiredService<AcmeCertificates>().ClientAsync(CancellationToken.None);
        Assert.True(client.BadNonceRetries > 0, "pebble refused nonces and the client sent those requests again");
    }

    [Fact]
    public async Task A_challenge_the_authority_cannot_validate_fails_the_order_with_the_authoritys_reason_and_stores_nothing()
    {
        var domain = $"unreachable-{Guid.NewGuid():N}.example";
        await _pebble.ResolveAsync(domain, "127.0.0.2"); // nothing of ours listens there

        var renewal = _host.Services.GetRequiredService<CertificateRenewal>();
        var error = await Assert.ThrowsAsync<AcmeException>(() => renewal.RenewIfDueAsync(domain));
        Assert.Contains("connection", error.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await _host.Services.GetRequiredService<CertificateStore>().NotAfterAsync(domain));
    }
}
