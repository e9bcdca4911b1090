using System.Text.Json;
using Odin.Contracts;

namespace Odin.Gateway.Identities;

/// <summary>
/// The live-only messages gateways put on an identity's channel (<c>seq = 0</c>, never in the history): presence
/// changes, which reach the identity's other devices, and subscription probes, which reach no device.
/// </summary>
internal static class LiveMessages
{
    /// <summary>A gateway's own round trip through an identity's channel: never sent to a device.</summary>
    private const string ProbeType = "odin.gateway.probe";

    public static NotificationEnvelope Presence(Guid tenantId, Guid deviceId, string type, TimeProvider time) => new()
    {
        Id = Guid.NewGuid(),
        Seq = 0,
        Type = type,
        TenantId = tenantId,
        At = time.GetUtcNow().ToUnixTimeMilliseconds(),
        Data = JsonSerializer.Serialize(new PresenceData(deviceId), JsonSerializerOptions.Web),
    };

    /// <summary>The device a presence change is about (its own connections are not told), or null when it names none.</summary>
    public static Guid? DeviceOf(NotificationEnvelope presence)
    {
        try
        {
            return presence.Data is { } data ? JsonSerializer.Deserialize<PresenceData>(data, JsonSerializerOptions.Web)?.DeviceId : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static NotificationEnvelope Probe(Guid tenantId, Guid probeId) =>
        new() { Id = probeId, Seq = 0, Type = ProbeType, TenantId = tenantId, At = 0 };

    public static bool IsProbe(NotificationEnvelope envelope) => envelope.Seq == 0 && envelope.Type == ProbeType;

    private sealed record PresenceData(Guid DeviceId);
}
