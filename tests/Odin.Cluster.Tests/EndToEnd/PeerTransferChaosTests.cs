using System.Net;
using Odin.Hosting.Peer;
using Odin.Contracts;
using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>Peer transfer between two identities of the process cluster while its Hosting instances are killed and restarted.</summary>
public sealed class PeerTransferChaosTests(ProcessClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ProcessClusterFixture>
{
    private const int Files = 200;
    private int _restarts;

    [Fact]
    public async Task Two_hundred_files_sent_while_instances_are_killed_and_restarted_arrive_exactly_once_with_their_notifications()
    {
        var cluster = fixture.Cluster;
        var api = cluster.CreateApi();
        var (alice, bob) = (await api.CreateTenantAsync(), await api.CreateTenantAsync());
        var outbox = await alice.CreateDriveAsync("outbox");
        var inbox = await bob.CreateDriveAsync("inbox");
        var device = await bob.CreateDeviceAsync((inbox, "read"));
        await using var app = await SdkDevice.StartAsync(cluster.Haproxy.BaseAddress, cluster.Haproxy.HubUrl, device, [inbox]);
        var files = Enumerable.Range(0, Files).Select(_ => Guid.NewGuid()).ToList();
        foreach (var file in files)
        {
            await alice.CreateFileAsync(outbox, file);
        }

        using var chaos = new CancellationTokenSource();
        var restarts = RestartAtRandomAsync(cluster, chaos.Token);
        var resent = 0;
        foreach (var batch in files.Chunk(Files / 10))
        {
            foreach (var file in batch)
            {
                // A send cut off by a kill may or may not have been stored: send again, as a client would.
                while (!await TrySendAsync(alice, bob.Domain, outbox, file))
                {
                    resent++;
                }
            }

            var before = Volatile.Read(ref _restarts);
            await Eventually.TrueAsync(() => Volatile.Read(ref _restarts) > before, "the next restart, so that every batch meets one", TimeSpan.FromSeconds(60));
        }

        // Restarts go on while the transfers are delivered and processed.
        await Eventually.TrueAsync(async () => (await bob.ChangesAsync(inbox)).Count >= Files, "every file to arrive in bob's drive", TimeSpan.FromSeconds(90));
        await chaos.CancelAsync();
        await restarts;
        output.WriteLine($"{_restarts} instance restarts (kill -9); {resent} sends repeated after a failure");

        var expected = files.Select(f => PeerContent.ReceivedFileId(alice.Domain, f)).ToHashSet();
        var arrived = (await bob.ChangesAsync(inbox)).Select(c => c.GetProperty("fileId").GetGuid()).ToList();
        Assert.Equal(Files, arrived.Count);
        Assert.True(expected.SetEquals(arrived), "bob's drive holds exactly the files alice sent");

        await Eventually.TrueAsync(() => Distinct(app, NotificationTypes.FileAdded).Count == Files && Distinct(app, NotificationTypes.InboxItemReceived).Count == Files,
            "the device to hear of every file", TimeSpan.FromSeconds(30));
        foreach (var type in new[] { NotificationTypes.FileAdded, NotificationTypes.InboxItemReceived })
        {
            var perFile = Distinct(app, type);
            Assert.True(expected.SetEquals(perFile.Keys), $"{type} for exactly the sent files");
            Assert.All(perFile.Values, ids => Assert.Single(ids)); // one notification per file, however often it was delivered
        }

        Assert.DoesNotContain(app.Handled, n => n.Envelope.Type == NotificationTypes.FileModified); // no file was applied twice
    }

    /// <summary>Per file, the distinct notification ids of one type the device's app was given.</summary>
    private static Dictionary<Guid, HashSet<Guid>> Distinct(SdkDevice app, string type) =>
        app.Handled.Select(h => h.Envelope).Where(n => n.Type == type && n.FileId is not null)
            .GroupBy(n => n.FileId!.Value).ToDictionary(g => g.Key, g => g.Select(n => n.Id).ToHashSet());

    private static async Task<bool> TrySendAsync(TenantHandle sender, string recipient, Guid drive, Guid file)
    {
        try
        {
            using var response = await sender.OwnerAsync(HttpMethod.Post, "/api/v1/owner/transfers", new { recipient, driveAlias = "inbox", driveId = drive, fileId = file });
            return response.StatusCode == HttpStatusCode.Accepted;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Kills one Hosting instance at a time, at random, and starts it again, until cancelled; leaves all running.</summary>
    private async Task RestartAtRandomAsync(ProcessCluster cluster, CancellationToken stop)
    {
        var seed = Environment.TickCount;
        output.WriteLine($"restart order seed {seed}");
        var random = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            var victim = cluster.Hosting[random.Next(cluster.Hosting.Count)];
            victim.Kill();
            await victim.StartAsync();
            await Eventually.TrueAsync(victim.IsReadyAsync, $"{victim.Name} to be ready again");
            Interlocked.Increment(ref _restarts);
            try
            {
                await Task.Delay(random.Next(200, 800), stop); // pacing between faults, not a wait for a condition
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
