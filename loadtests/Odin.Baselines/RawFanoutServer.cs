using System.Collections.Concurrent;
using System.Net.WebSockets;
using StackExchange.Redis;

namespace Odin.Baselines;

/// <summary>
/// The ceiling: Kestrel WebSockets and nothing else. A socket joins one group (<c>/ws?group=N</c>, 0 by default),
/// and every message on that group's Redis channel goes, as received, to each of its sockets. No protocol, no
/// authentication, nothing per message but the send.
/// </summary>
public static class RawFanoutServer
{
    private const string ChannelPrefix = "bench:raw:";

    /// <summary>The Redis channel of a group (the many-identities shape has one per identity).</summary>
    public static string Channel(int group) => ChannelPrefix + group.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static async Task RunAsync(string[] args, string redis)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var groups = new ConcurrentDictionary<string, ConcurrentDictionary<Guid, WebSocket>>();
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        var queue = await multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Pattern(ChannelPrefix + "*"));
        queue.OnMessage(async message =>
        {
            if (!groups.TryGetValue(((string)message.Channel!)[ChannelPrefix.Length..], out var sockets))
            {
                return;
            }

            var payload = (byte[])message.Message!;
            var sends = sockets.Values.Select(socket => socket.SendAsync(payload, WebSocketMessageType.Text, true, CancellationToken.None));
            try
            {
                await Task.WhenAll(sends);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
            {
                // a socket closed meanwhile; its receive loop removes it
            }
        });

        app.UseWebSockets();
        app.Map("/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var id = Guid.NewGuid();
            var sockets = groups.GetOrAdd(context.Request.Query["group"].FirstOrDefault() ?? "0", _ => new());
            sockets[id] = socket;
            var buffer = new byte[1024];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // the client went away
            }
            finally
            {
                sockets.TryRemove(id, out _);
            }
        });
        app.MapGet("/health/ready", () => "ready");
        await app.RunAsync();
    }
}
