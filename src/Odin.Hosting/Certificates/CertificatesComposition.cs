using Microsoft.Extensions.Options;
using Odin.Hosting.Acme;
using Odin.Hosting.Cluster;
using Odin.Hosting.Jobs;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Observability;

namespace Odin.Hosting.Certificates;

public static class CertificatesComposition
{
    /// <summary>
    /// The certificate store (served by SNI on every HTTPS address Kestrel listens on), its sync across instances,
    /// renewal (leader) and first issuance (a job). The source is ACME when <c>Odin:Acme:DirectoryUrl</c> is set,
    /// self-signed otherwise.
    /// </summary>
    public static WebApplicationBuilder AddCertificates(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var acme = services.AddValidatedOptions<AcmeOptions>(builder.Configuration, AcmeOptions.Section);
        services.AddSingleton<Http01Challenges>();
        services.AddSingleton<CertificateStore>();
        services.AddSingleton<CertificateRenewal>();
        if (string.IsNullOrEmpty(acme.DirectoryUrl))
        {
            services.AddSingleton<ICertificateSource, SelfSignedCertificates>();
        }
        else
        {
            services.AddSingleton<AcmeCertificates>();
            services.AddSingleton<ICertificateSource>(sp => sp.GetRequiredService<AcmeCertificates>());
        }

        services.AddSingleton<CertificateMetrics>();
        services.AddInstrumentsAtStart<CertificateMetrics>();
        services.AddEveryInstance<CertificateSync>();
        services.AddLeaderOnly<CertificateRenewalService>();
        services.AddJobHandler<CertificateIssueJob>(CertificateIssueJob.Type);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            https.ServerCertificateSelector = (_, serverName) => kestrel.ApplicationServices.GetRequiredService<CertificateStore>().Find(serverName)));
        return builder;
    }

    /// <summary><c>GET /.well-known/acme-challenge/{token}</c>, on any host name: the key authorization, or 404.</summary>
    public static IEndpointRouteBuilder MapAcmeChallenges(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/acme-challenge/{token}", async (string token, Http01Challenges challenges, CancellationToken cancellationToken) =>
                token.Length <= 256 && await challenges.FindAsync(token, cancellationToken) is { } answer
                    ? Results.Text(answer, "application/octet-stream")
                    : Results.NotFound())
            .WithTags("Certificates").WithSummary("ACME HTTP-01 answers, for the certificate authority")
            .Produces<string>(StatusCodes.Status200OK, "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
