using Odin.Hosting.Tenants;

namespace Odin.Hosting.Storage;

/// <summary>
/// Runs before the server accepts requests (hosted services start before Kestrel listens): applies
/// migrations, then loads the identity registry.
/// </summary>
internal sealed class StartupTasks(Migrator migrator, IdentityRegistry registry) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.ApplyAsync(cancellationToken);
        await registry.LoadAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
