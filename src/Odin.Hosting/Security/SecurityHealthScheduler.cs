using Microsoft.Extensions.Options;
using Odin.Hosting.Jobs;
using Odin.Hosting.Tenants;

namespace Odin.Hosting.Security;

/// <summary>
/// A recurring job (one in the cluster, by its unique key) that makes sure every identity has its health check
/// scheduled; every instance enqueues it at start, so a fresh cluster schedules the checks at once. New
/// identities are also scheduled when they are created.
/// </summary>
public sealed class SecurityHealthScheduler(TenantStore tenants, JobQueue jobs, IOptions<SecurityOptions> options) : IJobHandler
{
    public const string Type = "odin.security.schedule";

    public static RecurringJob Schedule() => new(new JobRequest(Type) { UniqueKey = Type, Every = TimeSpan.FromHours(1) });

    public async Task RunAsync(JobContext job, CancellationToken cancellationToken)
    {
        foreach (var tenant in await tenants.ListAsync(cancellationToken))
        {
            await jobs.EnqueueAsync(SecurityHealthCheck.For(tenant.Id, options.Value), cancellationToken);
        }
    }
}
