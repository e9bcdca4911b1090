using Odin.Hosting.Common;
using Odin.ClusterPrimitives.PubSub;

namespace Odin.Hosting.Certificates;

/// <summary>Keeps the certificates this instance serves in step with the others (see <see cref="MirrorSync"/>).</summary>
internal sealed class CertificateSync(CertificateStore store, IPubSubBroker broker, TimeProvider time, ILogger<CertificateSync> logger)
    : MirrorSync(broker, time, logger)
{
    protected override string Topic => CertificateStore.Topic;

    protected override string What => "certificate changes";

    protected override TimeSpan FullReloadInterval => TimeSpan.FromMinutes(5);

    protected override Task RefreshAsync(string key, CancellationToken cancellationToken) => store.RefreshAsync(key, cancellationToken);

    protected override Task LoadAllAsync(CancellationToken cancellationToken) => store.LoadAllAsync(cancellationToken);
}
