using System.Diagnostics;

namespace Odin.ClusterPrimitives.Observability;

/// <summary>
/// The spans Odin makes itself, on one <see cref="ActivitySource"/>: a notification's publish by the outbox dispatcher,
/// its receipt by a gateway, the gateway's fan-out and each send to a device's queue. With nobody listening (tracing
/// off, the default) <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> answers null and nothing is made.
/// </summary>
public static class OdinTracing
{
    public const string SourceName = "Odin";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>A span whose parent is the W3C <paramref name="traceParent"/> carried by a row or a message (none: null).</summary>
    public static Activity? StartFrom(string name, ActivityKind kind, string? traceParent) =>
        traceParent is not null && Source.HasListeners() && ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : null;
}
