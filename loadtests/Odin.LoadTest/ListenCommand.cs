using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Odin.Contracts;

namespace Odin.LoadTest;

/// <summary><c>listen</c>: one device that subscribes to drives and prints every notification as it arrives.</summary>
public static class ListenCommand
{
    public const string Usage = "listen --hub URL --token JWT --drive DRIVE_ID [--drive ...] [--protocol json|msgpack]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var hub = args.Required("hub");
        var token = args.Required("token");
        var drives = args.All("drive").Select(d => Guid.TryParse(d, out var id) ? id : throw new ArgumentException($"--drive '{d}' is not a drive id (a GUID).")).ToArray();
        if (token.Count(c => c == '.') != 2)
        {
            throw new ArgumentException($"--token '{token}' is not an access token (a JWT from POST /api/v1/device/token).");
        }

        var messagePack = args.Optional("protocol", "json") == "msgpack";

        await using var connection = DeviceConnection.Build(hub, () => Task.FromResult<string?>(token), messagePack);
        connection.On<NotificationEnvelope>(nameof(IDeviceClient.Notification), n =>
            Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} seq={n.Seq} {n.Type} drive={n.DriveId} file={n.FileId} tag={n.VersionTag}"));
        connection.On<string>(nameof(IDeviceClient.Resync), reason => Console.WriteLine($"resync: {reason}"));
        connection.On<string, int>(nameof(IDeviceClient.Reconnect), (reason, after) => Console.WriteLine($"reconnect in {after} ms: {reason}"));
        connection.Closed += error =>
        {
            Console.WriteLine($"closed: {error?.Message ?? "by the server"}");
            return Task.CompletedTask;
        };

        SubscribeResult result;
        try
        {
            await connection.StartAsync(cancellationToken);
            result = await connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = drives }, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.WebSockets.WebSocketException or HubException or IOException)
        {
            // 401 (a bad or expired token) arrives as the WebSocket upgrade's status: say it in one line.
            await Console.Error.WriteLineAsync($"odin-loadtest: could not connect to {hub}: {ex.Message}");
            return 1;
        }

        Console.WriteLine($"connected; subscribed to {string.Join(", ", result.Accepted)}"
            + (result.Rejected.Length > 0 ? $"; rejected {string.Join(", ", result.Rejected)}" : "") + ". Ctrl+C to stop.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }
}
