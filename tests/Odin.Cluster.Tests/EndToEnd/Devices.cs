using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>Many devices of a few tenants, connected through HAProxy, each subscribed to its tenant's drive.</summary>
internal sealed class Devices : IAsyncDisposable
{
    private Devices(List<(TenantHandle Tenant, Guid Drive, List<NotificationRecorder> Recorders)> tenants) => Tenants = tenants;

    public List<(TenantHandle Tenant, Guid Drive, List<NotificationRecorder> Recorders)> Tenants { get; }

    public IEnumerable<NotificationRecorder> All => Tenants.SelectMany(t => t.Recorders);

    public static async Task<Devices> ConnectAsync(ProcessCluster cluster, int tenants, int devicesPerTenant)
    {
        var api = cluster.CreateApi();
        var list = new List<(TenantHandle, Guid, List<NotificationRecorder>)>();
        for (var t = 0; t < tenants; t++)
        {
            var tenant = await api.CreateTenantAsync();
            var drive = await tenant.CreateDriveAsync("docs");
            var devices = await Task.WhenAll(Enumerable.Range(0, devicesPerTenant).Select(_ => tenant.CreateDeviceAsync((drive, "read"))));
            var recorders = new List<NotificationRecorder>();
            foreach (var chunk in devices.Chunk(25))
            {
                recorders.AddRange(await Task.WhenAll(chunk.Select(async (device, i) =>
                {
                    var recorder = await NotificationRecorder.ConnectAsync(cluster.Haproxy.HubUrl, device.AccessToken, messagePack: i % 2 == 0, reconnect: true);
                    Assert.Equal([drive], (await recorder.SubscribeAsync(drive)).Accepted);
                    return recorder;
                })));
            }

            list.Add((tenant, drive, recorders));
        }

        return new Devices(list);
    }

    /// <summary>Writes <paramref name="count"/> new files per tenant through HAProxy; returns their ids.</summary>
    public async Task<Dictionary<Guid, List<Guid>>> WriteAsync(int count)
    {
        var written = new Dictionary<Guid, List<Guid>>();
        await Task.WhenAll(Tenants.Select(async t =>
        {
            var files = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
            foreach (var file in files)
            {
                await t.Tenant.CreateFileAsync(t.Drive, file);
            }

            lock (written)
            {
                written[t.Tenant.TenantId] = files;
            }
        }));
        return written;
    }

    /// <summary>Waits until every device has received every file in <paramref name="written"/> of its own tenant.</summary>
    public async Task WaitForAllAsync(Dictionary<Guid, List<Guid>> written, TimeSpan? timeout = null)
    {
        foreach (var (tenant, _, recorders) in Tenants)
        {
            var expected = written[tenant.TenantId].ToHashSet();
            await Eventually.TrueAsync(
                () => recorders.All(r => expected.IsSubsetOf(r.Received.Select(n => n.FileId!.Value))),
                $"{recorders.Count} devices of {tenant.Domain} to receive {expected.Count} notifications", timeout ?? TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>
    /// Every device processed every seq of its identity exactly once, in order, from its first one on (its drive
    /// is the identity's only one, so the identity's seqs are the drive's): nothing missed, nothing of another
    /// identity. A repeat on the wire (a connection closed mid-delivery) is dropped by the device as an app does;
    /// what arrived is exactly what was processed.
    /// </summary>
    public void AssertEachGotEverySeqOnceInOrder()
    {
        foreach (var (tenant, _, recorders) in Tenants)
        {
            foreach (var recorder in recorders)
            {
                Assert.All(recorder.Received, n => Assert.Equal(tenant.TenantId, n.TenantId));
                var seqs = recorder.Processed;
                Assert.Equal(Enumerable.Range((int)seqs[0], seqs.Count).Select(i => (long)i), seqs);
                Assert.Equal(seqs, recorder.Received.Select(n => n.Seq).Distinct().Order());
            }
        }
    }

    /// <summary>As <see cref="WaitForAllAsync"/>, answering false instead of throwing when the time is up.</summary>
    public async Task<bool> TryWaitForAllAsync(Dictionary<Guid, List<Guid>> written, TimeSpan timeout)
    {
        try
        {
            await WaitForAllAsync(written, timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var recorder in All)
        {
            await recorder.DisposeAsync();
        }
    }
}
