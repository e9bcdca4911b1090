using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Temp;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>Three instances sharing one staging root (shared storage): one sweeps, and only what was abandoned.</summary>
public sealed class TempSweepTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("odin-temp-").FullName;
    private ClusterOnOwnServers _servers = null!;

    public async Task InitializeAsync()
    {
        Write("crashed-instance-a", "old.part", TimeSpan.FromHours(2));
        Write("crashed-instance-a", "young.part", TimeSpan.FromMinutes(59));
        Write("crashed-instance-b", "old.part", TimeSpan.FromHours(3));
        Directory.CreateDirectory(Path.Combine(_root, "gone-instance-c"));
        Directory.SetLastWriteTimeUtc(Path.Combine(_root, "gone-instance-c"), DateTime.UtcNow.AddHours(-2));

        _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 3, gatewayCount: 0, new Dictionary<string, string?>
        {
            ["Odin:Temp:Root"] = _root,
            ["Odin:Temp:MaxAge"] = "01:00:00",
            ["Odin:Temp:SweepInterval"] = "00:00:00.200",
            ["Odin:Leader:Lease"] = "00:00:05", // long enough that one leader holds through the test
        });
    }

    public async Task DisposeAsync()
    {
        await _servers.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task One_instance_sweeps_abandoned_staging_files_and_never_a_file_younger_than_the_age_limit()
    {
        var sweepers = _servers.Cluster.Hosting.Select(h => h.Services.GetRequiredService<TempSweeper>()).ToList();
        await Eventually.TrueAsync(() => sweepers.Sum(s => s.Sweeps) >= 5, "several sweeps");

        Assert.False(File.Exists(Path.Combine(_root, "crashed-instance-a", "old.part")));
        Assert.False(File.Exists(Path.Combine(_root, "crashed-instance-b", "old.part")));
        Assert.True(File.Exists(Path.Combine(_root, "crashed-instance-a", "young.part")));
        Assert.False(Directory.Exists(Path.Combine(_root, "gone-instance-c")));
        Assert.Equal(1, sweepers.Count(s => s.Sweeps > 0)); // the leader, and only it
    }

    private void Write(string instance, string name, TimeSpan age)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_root, instance)).FullName, name);
        File.WriteAllText(path, "staged");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
    }
}
