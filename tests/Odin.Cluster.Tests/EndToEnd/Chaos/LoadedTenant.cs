using System.Collections.Concurrent;
using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd.Chaos;

/// <summary>One identity of a <see cref="SteadyLoad"/>: two drives, its devices, and every file written to it.</summary>
internal sealed class LoadedTenant(TenantHandle tenant, Guid[] drives)
{
    public TenantHandle Tenant { get; } = tenant;

    public Guid[] Drives { get; } = drives;

    /// <summary>Devices on the .NET SDK (JSON and MessagePack), each subscribed to one drive or both.</summary>
    public List<(SdkDevice Device, Guid[] Drives, DeviceHandle Handle)> Devices { get; } = [];

    /// <summary>Devices on the TypeScript SDK under node, each subscribed to one drive, each keeping its position in a file.</summary>
    public List<(JsDevice Device, Guid Drive, DeviceHandle Handle, string PositionFile)> JsDevices { get; } = [];

    /// <summary>Every file written (or being written) and its drive.</summary>
    public ConcurrentDictionary<Guid, Guid> Files { get; } = new();

    /// <summary>The seq of every file written, by drive, from the drives' changes feeds (read once writing stopped).</summary>
    public async Task<Dictionary<Guid, Dictionary<Guid, long>>> SeqsByDriveAsync()
    {
        var byDrive = new Dictionary<Guid, Dictionary<Guid, long>>();
        foreach (var drive in Drives)
        {
            var changes = await Tenant.ChangesAsync(drive);
            byDrive[drive] = changes.ToDictionary(c => c.GetProperty("fileId").GetGuid(), c => c.GetProperty("seq").GetInt64());
        }

        return byDrive;
    }

    /// <summary>Creates <paramref name="file"/> in <paramref name="drive"/>, trying again through failures until the server has it.</summary>
    /// <summary>The last answer a write was refused with, or why it got none (for a failure's output).</summary>
    public string? LastFailure { get; private set; }

    public async Task WriteAsync(Guid drive, Guid file)
    {
        Files[file] = drive;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await Tenant.PutFileAsync(drive, file);
                // 412 "the file exists": only this writer writes this new file, so an earlier attempt whose answer was
                // lost on the way back (an instance killed after its commit) did write it.
                if (response.StatusCode is System.Net.HttpStatusCode.Created or System.Net.HttpStatusCode.PreconditionFailed)
                {
                    return;
                }

                LastFailure = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException ex)
            {
                LastFailure = ex.Message; // the instance behind HAProxy died mid-request: try again
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100)); // a client's pause before trying again
        }

        throw new TimeoutException($"File {file} of {Tenant.Domain} could not be written for 60 s; last answer: {LastFailure}");
    }
}
