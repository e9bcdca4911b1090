using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Odin.Hosting.Acme;
using Odin.Hosting.Keys;

namespace Odin.Hosting.Certificates;

/// <summary>
/// Certificates from the configured ACME directory, on the installation's one ACME account (its key is
/// created once for the whole cluster, like any key in <see cref="KeyStore"/>).
/// </summary>
public sealed class AcmeCertificates(
    KeyStore keys, Http01Challenges challenges, IOptions<AcmeOptions> options, TimeProvider time, ILoggerFactory loggers) : ICertificateSource, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HttpClient _http = CreateHttpClient(options.Value);
    private AcmeClient? _client;

    public string Issuer => "acme";

    public async Task<IssuedCertificate> IssueAsync(string domain, CancellationToken cancellationToken) =>
        await (await ClientAsync(cancellationToken)).IssueAsync(domain, cancellationToken);

    /// <summary>This instance's client (created on first use).</summary>
    public async Task<AcmeClient> ClientAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_client is null)
            {
                var pair = await keys.GetOrCreateAsync(KeyStore.Installation, KeyKind.AcmeAccount, cancellationToken);
                _client = new AcmeClient(_http, new Uri(options.Value.DirectoryUrl!), new AccountKey(pair.ToECDsa()), challenges, options.Value, time,
                    loggers.CreateLogger<AcmeClient>());
            }

            return _client;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    /// <summary>An HTTP client for the CA; trusts <see cref="AcmeOptions.TrustedRootPath"/> too when set (a test CA).</summary>
    private static HttpClient CreateHttpClient(AcmeOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (!string.IsNullOrEmpty(options.TrustedRootPath))
        {
            var root = X509Certificate2.CreateFromPem(File.ReadAllText(options.TrustedRootPath));
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None)
                    {
                        return true;
                    }

                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            };
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }
}
