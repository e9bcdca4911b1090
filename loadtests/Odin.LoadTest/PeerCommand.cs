using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Odin.LoadTest;

/// <summary>
/// <c>peer</c>: peer transfer throughput on a running cluster (<c>scripts/cluster.sh up</c>: every identity behind
/// HAProxy, peer calls resolved to it). Side by side in alternating rounds: N plain file writes, and N
/// transfers from one identity to another counted until the last has landed in the recipient's drive.
/// </summary>
public static class PeerCommand
{
    public const string Usage = "peer --api http://127.0.0.1:8080 --admin-key KEY [--files 300] [--rounds 3] [--concurrency 16]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(args.Required("api")) };
        var adminKey = args.Required("admin-key");
        var files = int.Parse(args.Optional("files", "300"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(args.Optional("rounds", "3"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(args.Optional("concurrency", "16"), CultureInfo.InvariantCulture);
        var writes = new List<double>();
        var transfers = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var alice = await Identity.CreateAsync(http, adminKey, "outbox");
            var bob = await Identity.CreateAsync(http, adminKey, "inbox");
            var ids = Enumerable.Range(0, files).Select(_ => Guid.NewGuid()).ToList();

            var watch = Stopwatch.StartNew();
            await ForEachAsync(ids, concurrency, id => alice.SendAsync(HttpMethod.Put, $"/api/v1/drives/{alice.Drive}/files/{id}", new { metadata = new { n = 1 } }));
            writes.Add(files / watch.Elapsed.TotalSeconds);

            watch.Restart();
            await ForEachAsync(ids, concurrency, id => alice.SendAsync(HttpMethod.Post, "/api/v1/owner/transfers",
                new { recipient = bob.Domain, driveAlias = "inbox", driveId = alice.Drive, fileId = id }));
            while (await bob.CountFilesAsync() < files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Delay(20, cancellationToken); // polling the recipient's drive; the clock stops at the first full count
            }

            transfers.Add(files / watch.Elapsed.TotalSeconds);
            Console.WriteLine($"round {round + 1}: {writes[^1]:F0} file writes/s, {transfers[^1]:F0} transfers/s (sent and landed)");
        }

        var (write, transfer) = (Statistics.Median(writes), Statistics.Median(transfers));
        Console.WriteLine($"median: {write:F0} file writes/s, {transfer:F0} peer transfers/s; transfers / writes = {transfer / write:F2}");
        return 0;
    }

    private static Task ForEachAsync(IEnumerable<Guid> ids, int concurrency, Func<Guid, Task> action) =>
        Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) => await action(id));

    private sealed record Identity(HttpClient Http, string Domain, string OwnerToken, Guid Drive)
    {
        public static async Task<Identity> CreateAsync(HttpClient http, string adminKey, string alias)
        {
            var domain = $"peer-{Guid.NewGuid():N}.example";
            var tenant = await ApiCall.SendAsync(http, HttpMethod.Post, "/api/v1/admin/tenants", adminKey, null, new { domain });
            var identity = new Identity(http, domain, tenant.GetProperty("ownerToken").GetString()!, Guid.Empty);
            var drive = await identity.SendAsync(HttpMethod.Post, "/api/v1/owner/drives", new { alias, name = alias });
            return identity with { Drive = drive.GetProperty("driveId").GetGuid() };
        }

        public Task<JsonElement> SendAsync(HttpMethod method, string path, object body) => ApiCall.SendAsync(Http, method, path, OwnerToken, Domain, body);

        public async Task<int> CountFilesAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/drives/{Drive}/changes?limit=1000");
            request.Headers.Host = Domain;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OwnerToken);
            using var response = await Http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changes").GetArrayLength();
        }
    }
}
