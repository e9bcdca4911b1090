using System.Buffers;
using Microsoft.AspNetCore.SignalR;

namespace Odin.Gateway.Connections;

/// <summary>
/// Several messages for one device written as one: their bytes (in the connection's protocol) one after the other, in
/// one <see cref="HubConnectionContext.WriteAsync(SerializedHubMessage, CancellationToken)"/>, so one flush and one
/// WebSocket frame. SignalR's clients read every message a frame holds (JSON records end in 0x1E, MessagePack ones are
/// length-prefixed), as they do from a long-polling response. Plain SignalR flushes each message on its own.
/// The hub does not allow SignalR's stateful reconnect (its message buffer would count the batch as one message and keep
/// the pooled bytes for a resend): the gateway's own resume (epoch + seq) is what devices use.
/// </summary>
internal static class WriteBatch
{
    /// <summary>Most messages in one write.</summary>
    public const int MaxMessages = 64;

    /// <summary>
    /// Most bytes in one write: beyond it the rest goes in the next. Small, because a write to a device that reads slowly
    /// holds its pooled copy until the transport takes it.
    /// </summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>Moves <paramref name="first"/> and what follows it in <paramref name="waiting"/> (within the bounds) into <paramref name="batch"/>.</summary>
    public static void Take(SerializedHubMessage first, Queue<SerializedHubMessage> waiting, List<SerializedHubMessage> batch)
    {
        batch.Add(first);
        while (batch.Count < MaxMessages && waiting.TryDequeue(out var following))
        {
            batch.Add(following);
        }
    }

    /// <param name="closing">True once the connection is being closed: what is left of the batch is dropped (the device
    /// resumes from its last seq), so its Reconnect goes out next.</param>
    public static async ValueTask WriteAsync(HubConnectionContext connection, List<SerializedHubMessage> batch, Func<bool> closing)
    {
        var protocol = connection.Protocol;
        var start = 0;
        while (start < batch.Count && !closing())
        {
            // As many as fit MaxBytes (at least one), copied into one pooled buffer.
            var length = 0;
            var end = start;
            while (end < batch.Count)
            {
                var size = batch[end].GetSerializedMessage(protocol).Length; // a lookup under the message's lock: once while sizing
                if (end > start && length + size > MaxBytes)
                {
                    break;
                }

                length += size;
                end++;
            }

            if (end == start + 1)
            {
                await connection.WriteAsync(batch[start]); // alone (too large to share a write): no copy
                start = end;
                continue;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var offset = 0;
                for (var i = start; i < end; i++)
                {
                    var bytes = batch[i].GetSerializedMessage(protocol);
                    bytes.CopyTo(buffer.AsMemory(offset));
                    offset += bytes.Length;
                }

                // The write copies the bytes into the transport's pipe before it completes: the buffer is free after it.
                await connection.WriteAsync(new SerializedHubMessage([new SerializedMessage(protocol.Name, buffer.AsMemory(0, length))]));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            start = end;
        }
    }
}
