using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Odin.Testing;

/// <summary>A real TLS handshake: which certificate does a server present for a given server name (SNI)?</summary>
public static class TlsProbe
{
    /// <summary>The certificate presented, or null when the handshake failed (no certificate for that name).</summary>
    public static async Task<X509Certificate2?> CertificateAsync(int port, string serverName)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            await using var tls = new SslStream(tcp.GetStream());
            // Take whatever is presented: the caller judges the chain against the CA it expects.
            X509Certificate2? presented = null;
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => (presented = certificate is null ? null : new X509Certificate2(certificate)) is not null,
            });
            return presented;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="leaf"/> chains to <paramref name="root"/> through <paramref name="intermediate"/> and names <paramref name="domain"/>.</summary>
    public static bool ChainsTo(X509Certificate2 leaf, X509Certificate2 root, X509Certificate2 intermediate, string domain)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(intermediate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf) && leaf.MatchesHostname(domain);
    }
}
