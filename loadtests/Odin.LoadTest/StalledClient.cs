using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Odin.LoadTest;

/// <summary>
/// A raw WebSocket SignalR client (JSON protocol) with a 4 KiB socket receive buffer that subscribes and then never
/// reads again, as a device on a stalled network does: what a server does with it is what the slow-consumer test and
/// the <c>stalled</c> benchmark look at.
/// </summary>
public sealed class StalledClient : IDisposable
{
    private readonly ClientWebSocket _socket;

    private StalledClient(ClientWebSocket socket) => _socket = socket;

    /// <param name="subscribeArguments">The JSON arguments array of the hub's <c>Subscribe</c> call.</param>
    public static async Task<StalledClient> ConnectAsync(Uri hubUrl, string? token, string subscribeArguments)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var ws = new ClientWebSocket();
        var url = new UriBuilder(hubUrl) { Scheme = "ws", Query = token is null ? "" : $"access_token={Uri.EscapeDataString(token)}" }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ws.ConnectAsync(url, new HttpMessageInvoker(handler), timeout.Token);
        var client = new StalledClient(ws);
        await client.SendAsync("""{"protocol":"json","version":1}""", timeout.Token);
        await client.ReadUntilAsync("{}", timeout.Token);
        await client.SendAsync($$"""{"type":1,"invocationId":"1","target":"Subscribe","arguments":{{subscribeArguments}}}""", timeout.Token);
        await client.ReadUntilAsync("\"type\":3", timeout.Token);
        return client;
    }

    public void Dispose() => _socket.Dispose();

    private Task SendAsync(string message, CancellationToken cancellationToken) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(message + "\u001e"), WebSocketMessageType.Text, true, cancellationToken);

    private async Task ReadUntilAsync(string marker, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var text = new StringBuilder();
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var read = await _socket.ReceiveAsync(buffer, cancellationToken);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
        }
    }
}
