using Microsoft.Extensions.Options;
using Odin.ClusterPrimitives.Revocation;

namespace Odin.Hosting.Auth;

/// <summary>
/// What Hosting does after the database stopped a device or an identity (no new tokens, no REST calls):
/// tells every gateway to close its live connections and refuse its unexpired tokens, for as long as one
/// of them (plus clock skew) can live.
/// </summary>
internal sealed partial class LiveConnectionRevoker(DeviceRevocations revocations, IOptions<AuthOptions> options, ILogger<LiveConnectionRevoker> logger)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    public Task RevokeAsync(Revoked revoked) =>
        TryAsync(revoked, () => revocations.RevokeAsync(revoked, options.Value.DeviceTokenLifetime + ClockSkew));

    /// <summary>An identity enabled again: its devices may connect with the tokens they hold.</summary>
    public Task LiftAsync(Revoked revoked) => TryAsync(revoked, () => revocations.LiftAsync(revoked));

    private async Task TryAsync(Revoked revoked, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Redis is away: the database's decision stands, but live connections end only when their token
            // expires (or, lifting, stay refused until then). Say so in the log rather than fail the request.
            LogNotTold(logger, ex, revoked.TenantId, revoked.DeviceId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity {TenantId} (device {DeviceId}; none: every device): the gateways could not be told; live connections follow when their tokens expire")]
    private static partial void LogNotTold(ILogger logger, Exception exception, Guid tenantId, Guid? deviceId);
}
