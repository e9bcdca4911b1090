using System.Text.Json;
using Odin.Contracts;

namespace Odin.Shared.Notifications;

/// <summary>The only place the envelope's shape on the bus is written and read: its JSON, as devices see it.</summary>
public static class NotificationWire
{
    public static byte[] Write(NotificationEnvelope envelope) => JsonSerializer.SerializeToUtf8Bytes(envelope, JsonSerializerOptions.Web);

    public static NotificationEnvelope? Read(ReadOnlySpan<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize<NotificationEnvelope>(payload, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null; // not ours: another deployment's prefix misconfigured onto this one, or garbage
        }
    }
}
