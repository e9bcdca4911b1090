using System.Text.Json;
using Odin.Contracts;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>
/// The only place the envelope's shape on the bus is written and read: its JSON, as devices see it, and, when the
/// notification is traced, a <c>traceparent</c> member after it (W3C trace context) that gateways read and devices
/// never see (the envelope they get is read back without it).
/// </summary>
public static class NotificationWire
{
    private static readonly byte[] TraceParentMember = "\"traceparent\":\""u8.ToArray();

    public static byte[] Write(NotificationEnvelope envelope, string? traceParent = null)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(envelope, JsonSerializerOptions.Web);
        if (traceParent is null)
        {
            return json;
        }

        // {...} becomes {...,"traceparent":"00-..."}: a traceparent is hex digits and dashes, nothing to escape.
        return [.. json.AsSpan(0, json.Length - 1), (byte)',', .. TraceParentMember, .. System.Text.Encoding.ASCII.GetBytes(traceParent), (byte)'"', (byte)'}'];
    }

    /// <summary>The <c>traceparent</c> a traced notification carries (null: none).</summary>
    public static string? TraceParentOf(ReadOnlySpan<byte> payload)
    {
        var at = payload.LastIndexOf(TraceParentMember);
        if (at < 0)
        {
            return null;
        }

        var value = payload[(at + TraceParentMember.Length)..];
        var end = value.IndexOf((byte)'"');
        return end is > 0 and <= 64 ? System.Text.Encoding.ASCII.GetString(value[..end]) : null;
    }

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
