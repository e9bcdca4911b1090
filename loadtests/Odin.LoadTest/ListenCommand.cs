using System.Text.Json;
using Odin.Client;

namespace Odin.LoadTest;

/// <summary>
/// <c>listen</c>: one device on the .NET SDK (<see cref="OdinDevice"/>) that prints every notification of its drives,
/// once and in order, coming back and resuming by itself after a drop.
/// </summary>
public static class ListenCommand
{
    public const string Usage = "listen --server URL --domain IDENTITY --device-file FILE --drive DRIVE_ID [--drive ...] [--protocol json|msgpack]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var server = args.Required("server");
        var domain = args.Required("domain");
        var (deviceId, secret) = ReadDevice(args.Required("device-file"));
        var drives = args.All("drive").Select(d => Guid.TryParse(d, out var id) ? id : throw new ArgumentException($"--drive '{d}' is not a drive id (a GUID).")).ToArray();
        var options = new OdinDeviceOptions
        {
            ServerUrl = Uri.TryCreate(server, UriKind.Absolute, out var url) ? url : throw new ArgumentException($"--server '{server}' is not a URL."),
            Domain = domain,
            DeviceId = deviceId,
            DeviceSecret = secret,
            Drives = drives,
            Protocol = args.Optional("protocol", "json") == "msgpack" ? OdinProtocol.MessagePack : OdinProtocol.Json,
        };

        await using var device = new OdinDevice(options);
        device.OnNotification(n =>
        {
            var e = n.Envelope;
            Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} seq={e.Seq} {e.Type} drive={e.DriveId} file={e.FileId} tag={e.VersionTag}{(n.FromChanges ? " (re-read from /changes)" : "")}");
            return Task.CompletedTask;
        });
        device.StateChanged += state =>
        {
            if (state is OdinDeviceState.Reconnecting or OdinDeviceState.Resyncing)
            {
                Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {state.ToString().ToLowerInvariant()}");
            }
        };

        var stopped = new TaskCompletionSource<DeviceStopReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Stopped += reason => stopped.TrySetResult(reason);
        try
        {
            await device.StartAsync(cancellationToken);
        }
        catch (OdinRefusedException refused)
        {
            await Console.Error.WriteLineAsync($"odin-loadtest: the server refuses this device ({refused.Kind}): {refused.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        Console.WriteLine($"connected; subscribed to {string.Join(", ", drives)}. Ctrl+C to stop.");
        try
        {
            var reason = await stopped.Task.WaitAsync(cancellationToken);
            await Console.Error.WriteLineAsync($"odin-loadtest: the device stopped ({reason.Kind}): {reason.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    /// <summary>The device's id and secret, from the JSON that <c>POST /api/v1/owner/devices</c> answered.</summary>
    private static (Guid DeviceId, string Secret) ReadDevice(string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"--device-file '{path}' does not exist (save the answer of POST /api/v1/owner/devices there).");
        }

        try
        {
            using var device = JsonDocument.Parse(File.ReadAllText(path));
            return (device.RootElement.GetProperty("deviceId").GetGuid(), device.RootElement.GetProperty("deviceSecret").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new ArgumentException($"--device-file '{path}' is not the answer of POST /api/v1/owner/devices ({{\"deviceId\", \"deviceSecret\"}}).");
        }
    }
}
