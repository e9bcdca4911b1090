using System.Text.Json;
using Odin.Hosting.Jobs;

namespace Odin.Hosting.Certificates;

/// <summary>A new identity's first certificate, on demand: a job with a unique key per domain, enqueued when the identity is created.</summary>
public sealed class CertificateIssueJob(CertificateRenewal renewal) : IJobHandler
{
    public const string Type = "odin.certificates.issue";

    private sealed record Payload(string Domain);

    public static JobRequest For(string domain) =>
        new(Type, JsonSerializer.Serialize(new Payload(domain), JsonSerializerOptions.Web)) { UniqueKey = $"{Type}:{domain}" };

    public Task RunAsync(JobContext job, CancellationToken cancellationToken) =>
        renewal.RenewIfDueAsync(job.PayloadAs<Payload>().Domain, cancellationToken);
}
