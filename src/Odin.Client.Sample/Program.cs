// A device app on the Odin .NET SDK: prints each notification of one drive, once and in order, for a while.
// Usage: Odin.Client.Sample <server url> <domain> <device id> <device secret> <drive id> [seconds] [position file]
// The position file (optional) keeps the device's place, so that a restarted sample resumes where it stopped.
using Odin.Client;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: Odin.Client.Sample <server url> <domain> <device id> <device secret> <drive id> [seconds] [position file]");
    return 2;
}

var options = new OdinDeviceOptions
{
    ServerUrl = new Uri(args[0]),
    Domain = args[1],
    DeviceId = Guid.Parse(args[2]),
    DeviceSecret = args[3],
    Drives = [Guid.Parse(args[4])],
};
if (args.Length > 6)
{
    options.PositionStore = new FilePositionStore(args[6]);
}

await using var device = new OdinDevice(options);
device.OnNotification(n =>
{
    Console.WriteLine($"seq {n.Envelope.Seq} {n.Envelope.Type} {n.Envelope.FileId}{(n.FromChanges ? " (re-read)" : "")}");
    return Task.CompletedTask;
});
device.Stopped += reason => Console.WriteLine($"stopped: {reason.Kind}: {reason.Message}");
try
{
    await device.StartAsync();
}
catch (OdinRefusedException refused)
{
    Console.Error.WriteLine($"refused: {refused.Message}");
    return 1;
}

Console.WriteLine("live");
await Task.Delay(TimeSpan.FromSeconds(args.Length > 5 ? double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 30));
return 0;

/// <summary>The device's position in a file: "epoch seq".</summary>
internal sealed class FilePositionStore(string path) : IDevicePositionStore
{
    public async ValueTask<DevicePosition?> LoadAsync(CancellationToken cancellationToken) =>
        File.Exists(path) && (await File.ReadAllTextAsync(path, cancellationToken)).Split(' ') is [var epoch, var seq]
            ? new DevicePosition(epoch, long.Parse(seq, System.Globalization.CultureInfo.InvariantCulture))
            : null;

    public async ValueTask SaveAsync(DevicePosition position, CancellationToken cancellationToken) =>
        await File.WriteAllTextAsync(path, $"{position.Epoch} {position.Seq}", cancellationToken);
}
