using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Odin.Testing;

/// <summary>A certificate authority of a test's own, and a server certificate for 127.0.0.1 and localhost that it signs.</summary>
public static class TestCertificateAuthority
{
    /// <summary>Writes the CA to <paramref name="caPath"/> and a server certificate and key into <paramref name="folder"/>; returns their paths.</summary>
    public static (string Certificate, string Key) WriteServerCertificate(string folder, string caPath)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Odin test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6), RandomNumberGenerator.GetBytes(8));

        var certificate = Path.Combine(folder, "server.pem");
        var key = Path.Combine(folder, "server.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certificate, server.ExportCertificatePem());
        File.WriteAllText(key, serverKey.ExportPkcs8PrivateKeyPem());
        return (certificate, key);
    }

    /// <summary>True when <paramref name="certificate"/> chains to the CA in <paramref name="caPath"/>.</summary>
    public static bool IsSignedBy(X509Certificate certificate, string caPath)
    {
        using var chain = new X509Chain();
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
