using Microsoft.Extensions.Options;
using Odin.Hosting.Acme;
using Odin.Hosting.Cluster;

namespace Odin.Hosting.Certificates;

/// <summary>Leader only: looks for due certificates at once and then every <see cref="AcmeOptions.CheckInterval"/>.</summary>
internal sealed class CertificateRenewalService(
    CertificateRenewal renewal, ILeaderElection election, IOptions<AcmeOptions> options, TimeProvider time, ILogger<CertificateRenewalService> logger)
    : LeaderBackgroundService(election, time, logger)
{
    protected override async Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckInterval, Time);
        do
        {
            await renewal.RenewDueAsync(cancellationToken);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
