using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Odin.Hosting.Acme;

namespace Odin.Hosting.Certificates;

/// <summary>Development certificates (no ACME directory configured): self-signed, ECDSA P-256, valid 90 days like Let's Encrypt's.</summary>
public sealed class SelfSignedCertificates(TimeProvider time) : ICertificateSource
{
    public string Issuer => "self-signed";

    public Task<IssuedCertificate> IssueAsync(string domain, CancellationToken cancellationToken)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(domain);
        request.CertificateExtensions.Add(names.Build());
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(90));
        return Task.FromResult(new IssuedCertificate(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKey(), certificate.NotAfter.ToUniversalTime()));
    }
}
