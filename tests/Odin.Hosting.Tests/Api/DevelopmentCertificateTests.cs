using Odin.Testing;

namespace Odin.Hosting.Tests.Api;

/// <summary>Without an ACME directory, a new identity gets a self-signed certificate, served by SNI.</summary>
public sealed class DevelopmentCertificateTests : IAsyncLifetime
{
    private readonly int _httpsPort = FreePort.Next();
    private OdinHost _host = null!;

    public async Task InitializeAsync() => _host = await OdinHost.StartAsync(new Dictionary<string, string?>
    {
        ["urls"] = $"http://127.0.0.1:{FreePort.Next()};https://127.0.0.1:{_httpsPort}",
        ["Odin:Jobs:PollInterval"] = "00:00:00.100",
    });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_host.DataFolder, recursive: true);
    }

    [Fact]
    public async Task A_new_identity_is_served_over_https_with_a_self_signed_certificate_for_its_domain()
    {
        var tenant = await new OdinApi(_host.CreateClient()).CreateTenantAsync();
        System.Security.Cryptography.X509Certificates.X509Certificate2? served = null;
        await Eventually.TrueAsync(async () => (served = await TlsProbe.CertificateAsync(_httpsPort, tenant.Domain)) is not null, "a certificate for the new identity");
        Assert.True(served!.MatchesHostname(tenant.Domain));
        Assert.Equal(served.Subject, served.Issuer); // self-signed
        Assert.Null(await TlsProbe.CertificateAsync(_httpsPort, "unknown.example"));
    }
}
