using Odin.Hosting.Certificates;
using Odin.Hosting.Tenants;

namespace Odin.Hosting.Storage;

/// <summary>What must be done before the first request: migrations, then loading the identity registry and the certificates.</summary>
internal sealed class StartupTasks(Migrator migrator, IdentityRegistry registry, CertificateStore certificates)
{
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await migrator.ApplyAsync(cancellationToken);
        await registry.LoadAsync(cancellationToken);
        await certificates.LoadAllAsync(cancellationToken);
    }
}
