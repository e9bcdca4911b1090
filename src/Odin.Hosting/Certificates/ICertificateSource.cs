using Odin.Hosting.Acme;

namespace Odin.Hosting.Certificates;

/// <summary>Where new certificates come from, chosen once at start: an ACME CA, or self-signed for development.</summary>
public interface ICertificateSource
{
    /// <summary>Stored with each certificate: <c>acme</c> or <c>self-signed</c>.</summary>
    string Issuer { get; }

    Task<IssuedCertificate> IssueAsync(string domain, CancellationToken cancellationToken);
}
