using System.Collections.Concurrent;
using Odin.Client;
using Odin.Contracts;

namespace Odin.Testing;

/// <summary>
/// A device app built on the .NET SDK (<see cref="OdinDevice"/>): it records what its handler was given, which is what
/// an app processes. Nothing here resumes, drops repeats or re-reads: the SDK does all of that.
/// </summary>
public sealed class SdkDevice : IAsyncDisposable
{
    private readonly ConcurrentQueue<DeviceNotification> _handled = new();
    private readonly ConcurrentQueue<OdinDeviceState> _states = new();
    private readonly ConcurrentQueue<DeviceStopReason> _stops = new();

    private SdkDevice(OdinDevice device, IDevicePositionStore store)
    {
        Device = device;
        PositionStore = store;
        device.OnNotification(n =>
        {
            _handled.Enqueue(n);
            return Task.CompletedTask;
        });
        device.StateChanged += _states.Enqueue;
        device.Stopped += _stops.Enqueue;
    }

    public OdinDevice Device { get; }

    /// <summary>Where the device keeps its position: hand it to a new <see cref="SdkDevice"/> to play a restarted app.</summary>
    public IDevicePositionStore PositionStore { get; }

    /// <summary>Everything the app's handler was given, in the order it was given.</summary>
    public IReadOnlyList<DeviceNotification> Handled => [.. _handled];

    /// <summary>The seqs the app processed, in order.</summary>
    public IReadOnlyList<long> Processed => [.. _handled.Select(n => n.Envelope.Seq)];

    /// <summary>The states the device went through, in order.</summary>
    public IReadOnlyList<OdinDeviceState> States => [.. _states];

    /// <summary>Times the device re-read <c>/changes</c> after a <c>Resync</c>.</summary>
    public int Resyncs => _states.Count(s => s == OdinDeviceState.Resyncing);

    /// <summary>Times the connection ended and the device waited to come back.</summary>
    public int Drops => _states.Count(s => s == OdinDeviceState.Reconnecting);

    public IReadOnlyList<DeviceStopReason> Stops => [.. _stops];

    /// <summary>
    /// Starts a device of <paramref name="device"/> that sends its REST calls to <paramref name="server"/> (addressed to
    /// the identity by <c>Host</c>) and connects to <paramref name="hubUrl"/>; returns once it is live.
    /// </summary>
    public static async Task<SdkDevice> StartAsync(Uri server, Uri hubUrl, DeviceHandle device, IReadOnlyList<Guid> drives,
        bool messagePack = false, IDevicePositionStore? store = null, TimeSpan? reconnectJitter = null)
    {
        var sdk = Create(server, hubUrl, device.Tenant.Domain, device.DeviceId, device.Secret, drives, messagePack, store, reconnectJitter);
        await sdk.Device.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return sdk;
    }

    /// <summary>As <see cref="StartAsync"/>, not started.</summary>
    public static SdkDevice Create(Uri server, Uri hubUrl, string domain, Guid deviceId, string secret, IReadOnlyList<Guid> drives,
        bool messagePack = false, IDevicePositionStore? store = null, TimeSpan? reconnectJitter = null)
    {
        store ??= new InMemoryDevicePositionStore();
        var options = new OdinDeviceOptions
        {
            Domain = domain,
            DeviceId = deviceId,
            DeviceSecret = secret,
            Drives = drives,
            ServerUrl = server,
            HubUrl = hubUrl,
            Protocol = messagePack ? OdinProtocol.MessagePack : OdinProtocol.Json,
            PositionStore = store,
            // Tests bring devices back within a second; the SDK's default spreads a crowd over 5 s.
            ReconnectJitter = reconnectJitter ?? TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(2),
        };
        return new SdkDevice(new OdinDevice(options), store);
    }

    /// <summary>Waits until the app has processed a notification matching <paramref name="match"/>.</summary>
    public async Task<NotificationEnvelope> WaitForAsync(Func<NotificationEnvelope, bool> match, string what, TimeSpan? timeout = null)
    {
        NotificationEnvelope? found = null;
        await Eventually.TrueAsync(() => (found = _handled.Select(n => n.Envelope).FirstOrDefault(match)) is not null, what, timeout);
        return found!;
    }

    public ValueTask DisposeAsync() => Device.DisposeAsync();
}
