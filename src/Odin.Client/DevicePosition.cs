namespace Odin.Client;

/// <summary>
/// Where a device stands in its identity's stream: the history <see cref="Epoch"/> and the last <see cref="Seq"/> its
/// app processed. A device that comes back with it gets exactly what it missed.
/// </summary>
public sealed record DevicePosition(string Epoch, long Seq);

/// <summary>Keeps a device's <see cref="DevicePosition"/>, so that a restarted app resumes where it stopped.</summary>
public interface IDevicePositionStore
{
    /// <summary>The position saved last, or null for a device that never subscribed.</summary>
    ValueTask<DevicePosition?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Called after each notification the app processed, before the next one is raised.</summary>
    ValueTask SaveAsync(DevicePosition position, CancellationToken cancellationToken);
}

/// <summary>The default store: the position lives as long as the process.</summary>
public sealed class InMemoryDevicePositionStore : IDevicePositionStore
{
    private DevicePosition? _position;

    public ValueTask<DevicePosition?> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Volatile.Read(ref _position));

    public ValueTask SaveAsync(DevicePosition position, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _position, position);
        return ValueTask.CompletedTask;
    }
}
