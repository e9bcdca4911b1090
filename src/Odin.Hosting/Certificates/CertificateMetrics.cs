using System.Diagnostics.Metrics;
using Odin.Hosting.Notifications;

namespace Odin.Hosting.Certificates;

/// <summary>
/// <c>odin_certificates_expiry_seconds</c>: how long until the certificate this instance serves that expires first
/// does, for the alert that fires before renewal has failed for too long. Not exported while it serves none.
/// </summary>
internal sealed class CertificateMetrics
{
    public CertificateMetrics(IMeterFactory meters, CertificateStore store, TimeProvider time) =>
        meters.Create(NotificationMetrics.MeterName).CreateObservableGauge("odin.certificates.expiry",
            () => store.SoonestExpiry is { } at ? [new Measurement<double>((at - time.GetUtcNow()).TotalSeconds)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "Seconds until the soonest expiry among the certificates this instance serves");
}
