using System.Net.WebSockets;
using System.Text;
using Odin.Hosting.Tests.Api;
using Odin.Testing;

namespace Odin.Hosting.Tests.Hub;

/// <summary>
/// The hub protocol fuzzed in JSON and MessagePack: a seeded generator of malformed frames (random bytes,
/// bit flips, truncations, wrong types, deep nesting, bad lengths, bad UTF-8), each sent on a raw WebSocket
/// of a real device, followed by a Ping. Every connection either ends with an error or answers with a hub
/// error and then the Ping; no answer carries exception text or type names, and a device beside them hears
/// every write.
/// </summary>
/// <remarks>
/// Seen and bounded: SignalR reads a message of an unknown type (and a length prefix that announces more
/// than is sent) as "not complete yet" and waits for more bytes, so such a connection answers nothing
/// more. It holds at most <c>Odin:Gateway:MaxReceiveMessageSize</c> bytes and ends with an error once that
/// much has arrived (the test sends it), or when the client timeout passes without a readable message.
/// </remarks>
[Collection(SingleNodeCollection.Name)]
public sealed class HubFuzzTests(SingleNodeHost node)
{
    private const int FramesPerProtocol = 100;
    private const byte RecordSeparator = 0x1e;

    [Theory]
    [InlineData("json", 20261201)]
    [InlineData("messagepack", 20261202)]
    public async Task Malformed_frames_end_only_their_own_connection_with_an_error_and_other_devices_keep_receiving(string protocol, int seed)
    {
        var tenant = await node.Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        await using var bystander = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, (await tenant.CreateDeviceAsync((drive, "read"))).AccessToken, messagePack: protocol == "messagepack");
        await bystander.SubscribeAsync(drive);
        var fuzzer = await tenant.CreateDeviceAsync((drive, "read"));
        var frames = new FrameGenerator(new Random(seed), protocol == "json", drive);

        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < FramesPerProtocol; i++)
        {
            var (kind, frame) = frames.Next();
            var outcome = await SendAsync(protocol, fuzzer.AccessToken, frame);
            Assert.True(outcome.Answered || outcome.Closed, $"frame {i} ({kind}) got neither an answer nor a close within the deadline");
            // SignalR prefixes a HubException's own message with "HubException:"; no other type name, namespace or stack.
            Assert.DoesNotMatch(@"(?<!Hub)Exception|System\.|Odin\.|   at ", outcome.Text);
            outcomes[outcome.Closed ? "closed" : "answered"] = outcomes.GetValueOrDefault(outcome.Closed ? "closed" : "answered") + 1;

            if (i % 50 == 0)
            {
                // The process serves everyone else all along.
                var file = Guid.NewGuid();
                await tenant.CreateFileAsync(drive, file);
                await bystander.WaitForAsync(n => n.FileId == file, $"a write after {i} malformed frames");
            }
        }

        // Both endings were met: frames the protocol cannot read close the connection with an error; calls it
        // reads but cannot bind (wrong argument types, unknown methods) are answered with a hub error.
        Assert.True(outcomes.GetValueOrDefault("closed") > 0 && outcomes.GetValueOrDefault("answered") > 0, string.Join(", ", outcomes));
    }

    private sealed record Outcome(bool Closed, bool Answered, string Text);

    private async Task<Outcome> SendAsync(string protocol, string token, byte[] frame)
    {
        var url = new UriBuilder(node.Host.HubUrl) { Scheme = "ws", Query = $"access_token={Uri.EscapeDataString(token)}" }.Uri;
        using var socket = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(url, deadline.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"protocol\":\"{protocol}\",\"version\":1}}\u001e"), WebSocketMessageType.Text, true, deadline.Token);
        var type = protocol == "json" ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        var text = new StringBuilder();
        try
        {
            await socket.SendAsync(frame, type, true, deadline.Token);
            await socket.SendAsync(FrameGenerator.Ping(protocol == "json"), type, true, deadline.Token);
            var buffer = new byte[64 * 1024];
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            patience.CancelAfter(TimeSpan.FromSeconds(1));
            while (true)
            {
                WebSocketReceiveResult result;
                try
                {
                    result = await socket.ReceiveAsync(buffer, patience.IsCancellationRequested ? deadline.Token : patience.Token);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // A frame that announced more than it sent (a length prefix of 2 GiB) is waited for, but
                    // never beyond the hub's message size: send that much and the connection must end.
                    await socket.SendAsync(new byte[40 * 1024], type, true, deadline.Token);
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new Outcome(true, false, text.ToString());
                }

                var chunk = Encoding.UTF8.GetString(buffer, 0, result.Count);
                text.Append(chunk);
                // The Ping's completion names its invocation id "p" (in MessagePack as the fixstr 0xa1 'p').
                if (chunk.Contains("\"invocationId\":\"p\"", StringComparison.Ordinal) || IsPingCompletion(buffer.AsSpan(0, result.Count)))
                {
                    return new Outcome(false, true, text.ToString());
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            return new Outcome(true, false, text.ToString()); // closed without a close frame: ended all the same
        }
        catch (OperationCanceledException)
        {
            return new Outcome(false, false, text.ToString());
        }
    }

    /// <summary>A MessagePack completion (type 3) for invocation "p".</summary>
    private static bool IsPingCompletion(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> completion = [0x03, 0x80, 0xa1, (byte)'p'];
        return data.IndexOf(completion) >= 0;
    }

    /// <summary>Malformed hub frames from a seeded generator, each framed as its protocol frames messages.</summary>
    private sealed class FrameGenerator(Random random, bool json, Guid drive)
    {
        public static byte[] Ping(bool json) => json
            ? Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"p\",\"target\":\"Ping\",\"arguments\":[]}\u001e")
            : LengthPrefixed([0x96, 0x01, 0x80, 0xa1, (byte)'p', 0xa4, .. "Ping"u8, 0x90, 0x90]);

        public (string Kind, byte[] Frame) Next()
        {
            var kind = random.Next(9);
            return kind switch
            {
                0 => ("random bytes", Frame(RandomBytes(random.Next(1, 2000)))),
                1 => ("bit flips", Frame(Flip(Valid()))),
                2 => ("truncated", Frame(Valid()[..random.Next(1, Valid().Length)])),
                3 => ("inserted bytes", Frame(Insert(Valid()))),
                4 => ("wrong argument type", Frame(WrongArguments())),
                5 => ("deep nesting", Frame(Nested(random.Next(100, 5000)))),
                6 => ("bad UTF-8", Frame(BadUtf8())),
                7 => ("unknown message type", Frame(UnknownType())),
                _ => json ? ("unterminated then terminated garbage", [.. RandomBytes(random.Next(1, 500)), RecordSeparator]) : ("oversized length", OversizedLength()),
            };
        }

        private byte[] Valid() => json
            ? Encoding.UTF8.GetBytes($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"Subscribe\",\"arguments\":[{{\"driveIds\":[\"{drive}\"]}}]}}")
            : [0x96, 0x01, 0x80, 0xa1, (byte)'1', 0xa9, .. "Subscribe"u8, 0x91, 0x81, 0xa8, .. "driveIds"u8, 0x91, 0xd9, 36, .. Encoding.ASCII.GetBytes(drive.ToString()), 0x90];

        private byte[] Frame(byte[] body) => json ? [.. body.Where(b => b != RecordSeparator), RecordSeparator] : LengthPrefixed(body);

        private byte[] RandomBytes(int count)
        {
            var bytes = new byte[count];
            random.NextBytes(bytes);
            return bytes;
        }

        private byte[] Flip(byte[] data)
        {
            for (var i = random.Next(1, 10); i > 0; i--)
            {
                data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
            }

            return data;
        }

        private byte[] Insert(byte[] data)
        {
            var at = random.Next(data.Length);
            return [.. data[..at], .. RandomBytes(random.Next(1, 50)), .. data[at..]];
        }

        private byte[] WrongArguments()
        {
            string[] arguments = ["[1]", "[\"x\"]", "[null]", "[[]]", "[{\"driveIds\":5}]", "[{\"driveIds\":[\"not-a-guid\"]}]", "[{\"resumeFrom\":\"x\",\"driveIds\":[]}]", "[1e999999]", "[{},{}]"];
            if (json)
            {
                var target = random.Next(2) == 0 ? "Subscribe" : random.Next(2) == 0 ? "Unsubscribe" : "NoSuchMethod";
                return Encoding.UTF8.GetBytes($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"{target}\",\"arguments\":{arguments[random.Next(arguments.Length)]}}}");
            }

            // MessagePack: Subscribe with an int, a string, nil or a map of the wrong shape as its argument.
            byte[][] values = [[0x05], [0xa1, (byte)'x'], [0xc0], [0x81, 0xa8, .. "driveIds"u8, 0x05], [0x81, 0xa8, .. "driveIds"u8, 0x91, 0xa3, .. "bad"u8]];
            return [0x96, 0x01, 0x80, 0xa1, (byte)'1', 0xa9, .. "Subscribe"u8, 0x91, .. values[random.Next(values.Length)], 0x90];
        }

        private byte[] Nested(int depth)
        {
            var inner = json
                ? Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))
                : [.. Enumerable.Repeat((byte)0x91, depth), 0xc0];
            return json
                ? [.. Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Subscribe\",\"arguments\":"), .. inner, (byte)'}']
                : [0x96, 0x01, 0x80, 0xa1, (byte)'1', 0xa9, .. "Subscribe"u8, 0x91, .. inner, 0x90];
        }

        private byte[] BadUtf8() => json
            ? [.. Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\""), 0xc3, 0x28, 0xff, 0xfe, .. Encoding.UTF8.GetBytes("\",\"arguments\":[]}")]
            : [0x96, 0x01, 0x80, 0xa1, (byte)'1', 0xa4, 0xc3, 0x28, 0xff, 0xfe, 0x90, 0x90];

        private byte[] UnknownType() => json
            ? Encoding.UTF8.GetBytes($"{{\"type\":{random.Next(8, 1000)},\"invocationId\":\"1\"}}")
            : [0x92, 0xcd, (byte)random.Next(1, 255), 0x10, 0x80];

        /// <summary>A length prefix that claims more than the hub takes in one message (2 GiB).</summary>
        private byte[] OversizedLength() => [0xff, 0xff, 0xff, 0xff, 0x07, .. RandomBytes(100)];

        private static byte[] LengthPrefixed(byte[] body)
        {
            var prefix = new List<byte>();
            var length = (uint)body.Length;
            do
            {
                var b = (byte)(length & 0x7f);
                length >>= 7;
                prefix.Add(length > 0 ? (byte)(b | 0x80) : b);
            }
            while (length > 0);
            return [.. prefix, .. body];
        }
    }
}
