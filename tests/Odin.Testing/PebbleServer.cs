using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Odin.Testing;

/// <summary>
/// A real ACME server: <c>pebble</c> with <c>pebble-challtestsrv</c> as its DNS (every name resolves to
/// 127.0.0.1), validating HTTP-01 challenges on <c>validationPort</c> — the port of the Odin instance the
/// test wants the authority to reach. Pebble's own HTTPS certificate is made here and trusted through
/// <see cref="TrustedRootPath"/>. Pebble regenerates its CA on every start; <see cref="RootAsync"/> fetches it.
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Process _pebble;
    private readonly Process _dns;
    private readonly int _managementPort;
    private readonly int _dnsManagementPort;

    private PebbleServer(string folder, Process pebble, Process dns, int acmePort, int managementPort, int dnsManagementPort)
    {
        _folder = folder;
        _pebble = pebble;
        _dns = dns;
        _managementPort = managementPort;
        _dnsManagementPort = dnsManagementPort;
        DirectoryUrl = new Uri($"https://127.0.0.1:{acmePort}/dir");
    }

    public Uri DirectoryUrl { get; }

    /// <summary>PEM of the certificate pebble's own HTTPS uses (self-signed): what <c>Odin:Acme:TrustedRootPath</c> names.</summary>
    public string TrustedRootPath => Path.Combine(_folder, "pebble-tls.pem");

    public string LogPath => Path.Combine(_folder, "pebble.log");

    /// <param name="nonceRejectPercent">Share of valid nonces pebble refuses with <c>badNonce</c> (its PEBBLE_WFE_NONCEREJECT).</param>
    public static async Task<PebbleServer> StartAsync(int validationPort, int nonceRejectPercent = 0)
    {
        var folder = Directory.CreateTempSubdirectory("odin-pebble-").FullName;
        var (acmePort, managementPort, dnsPort, dnsManagementPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        WriteTlsCertificate(folder);

        var dns = ChildProcess.Start(ServerBinaries.Find("pebble-challtestsrv"), Path.Combine(folder, "challtestsrv.log"),
            "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", $"127.0.0.1:{dnsPort}", "-http01", "", "-https01", "", "-tlsalpn01", "",
            "-management", $"127.0.0.1:{dnsManagementPort}");
        var configPath = Path.Combine(folder, "pebble-config.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(new
        {
            pebble = new
            {
                listenAddress = $"127.0.0.1:{acmePort}",
                managementListenAddress = $"127.0.0.1:{managementPort}",
                certificate = Path.Combine(folder, "pebble-tls.pem"),
                privateKey = Path.Combine(folder, "pebble-tls.key"),
                httpPort = validationPort,
                tlsPort = FreePort.Next(),
                ocspResponderURL = "",
                externalAccountBindingRequired = false,
            },
        }));
        var start = new ProcessStartInfo(ServerBinaries.Find("pebble")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-config", configPath, "-dnsserver", $"127.0.0.1:{dnsPort}", "-strict=false" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PEBBLE_VA_NOSLEEP"] = "1";
        start.Environment["PEBBLE_WFE_NONCEREJECT"] = nonceRejectPercent.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PEBBLE_AUTHZREUSE"] = "0"; // every order validates afresh
        start.Environment["PEBBLE_WFE_ORDERS_PER_PAGE"] = "10000";
        var pebble = ChildProcess.Start(start, Path.Combine(folder, "pebble.log"));
        var server = new PebbleServer(folder, pebble, dns, acmePort, managementPort, dnsManagementPort);
        await Eventually.TrueAsync(server.AnswersAsync, $"pebble to serve its directory (log: {server.LogPath})", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(server.DnsAnswersAsync, "pebble-challtestsrv to answer", TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>How many orders pebble has created so far (it logs "There are now N orders in the db" on each).</summary>
    public async Task<int> OrdersAsync()
    {
        await using var log = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(log);
        var text = await reader.ReadToEndAsync();
        return System.Text.RegularExpressions.Regex.Matches(text, @"There are now (\d+) orders in the db")
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
    }

    /// <summary>The root of the chains pebble issues (a new one each run).</summary>
    public async Task<X509Certificate2> RootAsync() => X509Certificate2.CreateFromPem(await ManagementAsync("/roots/0"));

    /// <summary>The intermediate pebble signs leaf certificates with.</summary>
    public async Task<X509Certificate2> IntermediateAsync() => X509Certificate2.CreateFromPem(await ManagementAsync("/intermediates/0"));

    /// <summary>Makes the authority resolve <paramref name="host"/> to <paramref name="address"/> instead of 127.0.0.1.</summary>
    public async Task ResolveAsync(string host, string address)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync($"http://127.0.0.1:{_dnsManagementPort}/add-a", new { host, addresses = new[] { address } });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>An HTTP client that trusts pebble's own HTTPS certificate.</summary>
    public HttpClient CreateTrustingClient()
    {
        var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(TrustedRootPath));
        return new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == trusted.GetCertHashString() },
        });
    }

    public ValueTask DisposeAsync()
    {
        ChildProcess.Kill(_pebble);
        ChildProcess.Kill(_dns);
        _pebble.Dispose();
        _dns.Dispose();
        if (Environment.GetEnvironmentVariable("ODIN_KEEP_TEST_LOGS") != "1")
        {
            Directory.Delete(_folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private async Task<string> ManagementAsync(string path)
    {
        using var http = CreateTrustingClient();
        return await http.GetStringAsync(new Uri($"https://127.0.0.1:{_managementPort}{path}"));
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var http = CreateTrustingClient();
            using var response = await http.GetAsync(DirectoryUrl);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<bool> DnsAnswersAsync()
    {
        try
        {
            using var http = new HttpClient();
            using var response = await http.PostAsJsonAsync($"http://127.0.0.1:{_dnsManagementPort}/clear-a", new { host = "probe.invalid" });
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>pebble's own HTTPS certificate, for 127.0.0.1 and localhost.</summary>
    private static void WriteTlsCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pebble test server", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllText(Path.Combine(folder, "pebble-tls.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "pebble-tls.key"), key.ExportECPrivateKeyPem());
    }
}
