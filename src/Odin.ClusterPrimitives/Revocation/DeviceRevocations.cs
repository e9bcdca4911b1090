using System.Text.Json;
using Odin.ClusterPrimitives.PubSub;

namespace Odin.ClusterPrimitives.Revocation;

/// <summary>A device (or, with no device, every device of an identity) whose connections must close and whose tokens must be refused.</summary>
public sealed record Revoked(Guid TenantId, Guid? DeviceId)
{
    public static Revoked Device(Guid tenantId, Guid deviceId) => new(tenantId, deviceId);

    /// <summary>Every device of a disabled or deleted identity.</summary>
    public static Revoked Identity(Guid tenantId) => new(tenantId, null);
}

/// <summary>
/// Revocation across the cluster: Odin.Hosting records a revoked device, or a disabled or deleted identity,
/// in the revocation list (kept as long as a token issued before it can live) and announces it on the
/// broker; every gateway closes the connections concerned when it hears, and checks the list when a device
/// connects, so a gateway that missed the announcement still refuses the token.
/// </summary>
public sealed class DeviceRevocations(IPubSubBroker broker, IRevocationList list)
{
    public const string Topic = "device-revoked";

    public async Task RevokeAsync(Revoked revoked, TimeSpan tokenLifetime)
    {
        await list.AddAsync(revoked, tokenLifetime);
        await broker.PublishAsync(Topic, JsonSerializer.Serialize(revoked));
    }

    /// <summary>An identity enabled again: its devices may connect with the tokens they hold.</summary>
    public Task LiftAsync(Revoked revoked) => list.RemoveAsync(revoked);

    /// <summary>True when this device, or its identity, is revoked.</summary>
    public Task<bool> IsRevokedAsync(Guid tenantId, Guid deviceId) => list.RefusesAsync(tenantId, deviceId);

    public Task<IAsyncDisposable> SubscribeAsync(Func<Revoked, Task> handler) =>
        broker.SubscribeAsync(Topic, async message =>
        {
            if (JsonSerializer.Deserialize<Revoked>(message) is { } revoked)
            {
                await handler(revoked);
            }
        });
}
