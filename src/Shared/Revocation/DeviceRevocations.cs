using System.Text.Json;
using Odin.Shared.PubSub;

namespace Odin.Shared.Revocation;

/// <summary>A device whose live connections must close and whose tokens must be refused.</summary>
public sealed record DeviceRevoked(Guid TenantId, Guid DeviceId);

/// <summary>
/// Revocation across the cluster: Odin.Hosting records a revoked device in the revocation list (kept as
/// long as a token issued before the revocation can live) and announces it on the broker; every gateway
/// closes the device's connections when it hears, and checks the list when a device connects, so a
/// gateway that missed the announcement still refuses the token.
/// </summary>
public sealed class DeviceRevocations(IPubSubBroker broker, IRevocationList list)
{
    public const string Topic = "device-revoked";

    public async Task RevokeAsync(DeviceRevoked revoked, TimeSpan tokenLifetime)
    {
        await list.AddAsync(revoked.DeviceId, tokenLifetime);
        await broker.PublishAsync(Topic, JsonSerializer.Serialize(revoked));
    }

    public Task<bool> IsRevokedAsync(Guid deviceId) => list.ContainsAsync(deviceId);

    public Task<IAsyncDisposable> SubscribeAsync(Func<DeviceRevoked, Task> handler) =>
        broker.SubscribeAsync(Topic, async message =>
        {
            if (JsonSerializer.Deserialize<DeviceRevoked>(message) is { } revoked)
            {
                await handler(revoked);
            }
        });
}
