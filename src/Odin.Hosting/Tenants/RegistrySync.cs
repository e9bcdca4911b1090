using Odin.Hosting.Common;
using Odin.ClusterPrimitives.PubSub;

namespace Odin.Hosting.Tenants;

/// <summary>Keeps this instance's <see cref="IdentityRegistry"/> in step with the others (see <see cref="MirrorSync"/>).</summary>
internal sealed class RegistrySync(IdentityRegistry registry, IPubSubBroker broker, TimeProvider time, ILogger<RegistrySync> logger)
    : MirrorSync(broker, time, logger)
{
    protected override string Topic => IdentityRegistry.Topic;

    protected override string What => "identity registry changes";

    protected override TimeSpan FullReloadInterval => TimeSpan.FromSeconds(30);

    protected override Task RefreshAsync(string key, CancellationToken cancellationToken) => registry.RefreshAsync(key, cancellationToken);

    protected override Task LoadAllAsync(CancellationToken cancellationToken) => registry.LoadAsync(cancellationToken);
}
