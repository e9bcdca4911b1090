using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Cluster;
using Odin.Hosting.Storage;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;
using IDatabase = Odin.Hosting.Storage.IDatabase;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>Leader election on a real Redis, 3 Hosting instances, a 1-second lease.</summary>
public sealed class LeaderElectionTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);
    private ClusterOnOwnServers _servers = null!;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 3, gatewayCount: 1,
        new Dictionary<string, string?> { ["Odin:Leader:Lease"] = Lease.ToString() });

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task One_instance_leads_a_stopped_leader_is_replaced_within_a_lease_and_its_token_is_fenced_off()
    {
        var elections = _servers.Cluster.Hosting.Select(h => h.Services.GetRequiredService<ILeaderElection>()).ToList();
        await Eventually.TrueAsync(() => elections.Count(e => e.Current is not null) == 1, "one instance to lead");

        // Sampled over two lease periods: never two leaders.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < Lease * 2)
        {
            Assert.InRange(elections.Count(e => e.Current is not null), 0, 1);
            await Task.Yield();
        }

        var leader = elections.FindIndex(e => e.Current is not null);
        var old = elections[leader].Current!;
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        await _servers.Cluster.Hosting[leader].DisposeAsync();
        Assert.True(old.Ended.IsCancellationRequested); // stepping down ends the term's work at once

        var others = elections.Where((_, i) => i != leader).ToList();
        await Eventually.TrueAsync(() => others.Count(e => e.Current is not null) == 1, "another instance to lead", Lease * 3);
        output.WriteLine($"leader stopped; another led {stopped.ElapsedMilliseconds} ms later (lease {Lease.TotalMilliseconds} ms)");
        Assert.InRange(stopped.Elapsed, TimeSpan.Zero, Lease + TimeSpan.FromSeconds(1));
        var successor = others.Single(e => e.Current is not null).Current!;
        Assert.True(successor.FencingToken > old.FencingToken);

        // The database takes the new term's token and refuses the old one, however late it arrives.
        var database = _servers.Cluster.Hosting[(leader + 1) % 3].Services.GetRequiredService<IDatabase>();
        Assert.True(await AdvanceAsync(database, successor.FencingToken));
        Assert.False(await AdvanceAsync(database, old.FencingToken));
        Assert.True(await AdvanceAsync(database, successor.FencingToken)); // the same term keeps writing

        // Redis loses its data (the token counter with it); the successor stops; the next leader still gets a
        // token above everything the database has seen, so its fenced writes are accepted.
        var successorIndex = elections.FindIndex(e => e.Current is not null);
        var services = _servers.Cluster.Hosting[successorIndex].Services;
        await services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().KeyDeleteAsync(services.GetRequiredService<RedisNames>().LeaderFence);
        await _servers.Cluster.Hosting[successorIndex].DisposeAsync();
        var lastIndex = Enumerable.Range(0, 3).Single(i => i != leader && i != successorIndex);
        var last = elections[lastIndex];
        await Eventually.TrueAsync(() => last.Current is not null, "the third instance to lead", Lease * 3);
        Assert.True(last.Current!.FencingToken > successor.FencingToken);
        Assert.True(await AdvanceAsync(_servers.Cluster.Hosting[lastIndex].Services.GetRequiredService<IDatabase>(), last.Current.FencingToken));
    }

    [Fact]
    public async Task Health_leader_says_which_instance_leads_and_where_every_background_service_runs()
    {
        var statuses = new List<System.Text.Json.JsonElement>();
        await Eventually.TrueAsync(async () =>
        {
            statuses = [];
            foreach (var host in _servers.Cluster.Hosting)
            {
                using var http = host.CreateClient();
                statuses.Add(System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/health/leader")).RootElement.Clone());
            }

            return statuses.Count(s => s.GetProperty("leader").GetBoolean()) == 1;
        }, "one instance to say it leads");

        var services = statuses[0].GetProperty("backgroundServices").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("runsOn").GetString());
        foreach (var leaderOnly in new[] { "LastSeenPruner", "PeerReconciliation", "TempSweeper" })
        {
            Assert.Equal("Leader", services[leaderOnly]);
        }

        foreach (var everywhere in new[] { "NotificationDispatcher", "JobRunner", "PeerOutboxSender", "PeerInboxProcessor", "RedisLeaderElection" })
        {
            Assert.Equal("EveryInstance", services[everywhere]);
        }
    }

    private static async Task<bool> AdvanceAsync(IDatabase database, long token)
    {
        await using var write = await database.BeginWriteAsync();
        var accepted = await LeaderFence.TryAdvanceAsync(write, token);
        await write.CommitAsync();
        return accepted;
    }
}
