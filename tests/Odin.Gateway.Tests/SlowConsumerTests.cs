using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Odin.Gateway.Connections;
using Odin.Shared.Notifications;
using Odin.Shared.Realtime;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>
/// A device that stops reading is closed as a slow consumer once its send queue is full; everyone else keeps
/// getting every notification meanwhile, and the slow device gets what it missed when it resumes.
/// </summary>
public sealed class SlowConsumerTests
{
    private const int Limit = 200;
    private const int Count = 2500;

    [Fact]
    public async Task A_device_that_stops_reading_is_closed_without_holding_up_the_others_and_resumes_without_loss()
    {
        await using var gateway = await StandaloneGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Odin:Gateway:SendQueueLimit"] = $"{Limit}",
            ["Odin:Gateway:CloseTimeout"] = "00:00:01",
            ["Odin:History:MaxLength"] = $"{Count}",
            ["Odin:History:MaxReplay"] = $"{Count}",
        });
        var tenant = Guid.NewGuid();
        var drive = Guid.NewGuid();
        await using var healthy = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([drive], tenantId: tenant).Token, messagePack: false);
        var start = await healthy.SubscribeAsync(drive);
        using var stalled = await StalledDevice.ConnectAsync(gateway.Host.HubUrl, gateway.Token([drive], tenantId: tenant).Token, drive);
        var connections = gateway.Host.Services.GetRequiredService<LocalConnections>();
        Assert.Equal(2, connections.Count);

        // 2500 notifications of 4 KiB: 10 MB, far more than the stalled device's socket, the transport and its queue
        // hold. Published in runs of 100, each once the reading device has the run before: it never falls behind,
        // so only the stalled device can be slow (with SignalR's group send it held up everyone once it was full).
        var bus = gateway.Host.Services.GetRequiredService<INotificationBus>();
        var data = JsonSerializer.Serialize(new { padding = new string('x', 4096) });
        for (var seq = 1L; seq <= Count; seq++)
        {
            await bus.PublishAsync(new NotificationEnvelope
            {
                Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileAdded, TenantId = tenant, DriveId = drive, FileId = Guid.NewGuid(),
                VersionTag = "t", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Data = data,
            });
            if (seq % 100 == 0)
            {
                var run = seq;
                await healthy.WaitForAsync(n => n.Seq == run, $"notification {run} on the device that reads");
            }
        }

        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), healthy.Processed);
        await Eventually.TrueAsync(() => connections.Count == 1, "the stalled device's connection to be closed");
        Assert.Empty(healthy.ReconnectRequests);

        // The slow device comes back and resumes from where it was (here: from the start): the replay waits for
        // it instead of overflowing its queue, and it gets all 2500 in order.
        await using var back = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([drive], tenantId: tenant).Token, messagePack: true);
        var resumed = await back.ResumeAsync(0, start.Epoch, drive);
        Assert.True(resumed.Recovered);
        await back.WaitForAsync(n => n.Seq == Count, "the replay's last notification");
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), back.Processed);
        Assert.Equal(2, connections.Count);
    }

    /// <summary>
    /// A raw WebSocket SignalR client (JSON protocol) with a 4 KiB socket receive buffer that subscribes and then
    /// never reads again, as a device on a stalled network does.
    /// </summary>
    private sealed class StalledDevice : IDisposable
    {
        private readonly ClientWebSocket _socket;

        private StalledDevice(ClientWebSocket socket) => _socket = socket;

        public static async Task<StalledDevice> ConnectAsync(Uri hubUrl, string token, Guid drive)
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
            var url = new UriBuilder(hubUrl) { Scheme = "ws", Query = $"access_token={Uri.EscapeDataString(token)}" }.Uri;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ws.ConnectAsync(url, new HttpMessageInvoker(handler), timeout.Token);
            var device = new StalledDevice(ws);
            await device.SendAsync("""{"protocol":"json","version":1}""", timeout.Token);
            await device.ReadUntilAsync("{}", timeout.Token);
            await device.SendAsync($$"""{"type":1,"invocationId":"1","target":"Subscribe","arguments":[{"driveIds":["{{drive}}"]}]}""", timeout.Token);
            await device.ReadUntilAsync("\"type\":3", timeout.Token);
            return device;
        }

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

        public void Dispose() => _socket.Dispose();
    }
}
