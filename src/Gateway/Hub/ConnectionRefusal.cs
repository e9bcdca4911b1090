using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Odin.Contracts;

namespace Odin.Gateway.Hub;

/// <summary>How the gateway ends a connection over a limit: it tells the device why and when to come back, then closes it.</summary>
internal sealed partial class ConnectionRefusal(IOptions<GatewayOptions> options, GatewayMetrics metrics, ILogger<ConnectionRefusal> logger)
{
    /// <param name="kind">One of <see cref="RefusalReason"/>, for the metric.</param>
    public async Task RefuseAsync(IDeviceClient caller, HubCallerContext context, string reason, string kind)
    {
        LogRefused(logger, context.ConnectionId, reason);
        metrics.Refused(kind);
        // A draining gateway asks for no wait (docs/api.md: come back at once, with jitter, to another gateway); a limit does.
        await caller.Reconnect(reason, kind == RefusalReason.Draining ? 0 : (int)options.Value.RetryAfter.TotalMilliseconds);
        context.Abort();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string connectionId, string reason);
}
