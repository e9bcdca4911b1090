using System.Diagnostics;
using Odin.Hosting.Notifications;
using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>
/// Restoring PostgreSQL from a backup as docs/operations.md says, with a device that heard changes made after the backup
/// and stayed connected to its gateway (on a real PostgreSQL, Redis and the SDK): the next change still reaches it.
/// </summary>
public sealed class BackupRestoreTests : IAsyncLifetime
{
    private ClusterOnOwnServers _servers = null!;

    private InProcessCluster Cluster => _servers.Cluster;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 1, gatewayCount: 1);

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task After_a_restore_and_the_after_restore_command_a_device_past_the_backup_hears_the_next_change()
    {
        var (tenant, drive, device) = await new OdinApi(Cluster.Hosting[0].CreateClient()).CreateReaderAsync();
        await using var app = await SdkDevice.StartAsync(Cluster.Hosting[0].BaseAddress, Cluster.Gateways[0].HubUrl, device, [drive]);
        await tenant.CreateFilesAsync(drive, 3);
        var backup = Path.Combine(Directory.CreateTempSubdirectory("odin-backup-").FullName, "odin.dump");
        await _servers.Postgres.BackupAsync(Cluster.DatabaseConnectionString, backup);
        await tenant.CreateFilesAsync(drive, 3); // after the backup: lost by the restore, but heard by the device
        await Eventually.TrueAsync(() => app.Processed.Count == 6, "the device to process the six changes");

        // Stop the instances, restore, run after-restore, start them. The gateway and the device stay up throughout.
        await Cluster.RestartHostingAsync(0, new Dictionary<string, string?>(), whileStopped: async () =>
        {
            await _servers.Postgres.RestoreAsync(Cluster.DatabaseConnectionString, backup);
            var (exit, output) = await AfterRestoreAsync();
            Assert.True(exit == 0, output);
            Assert.Contains($"moved the seq of 1 identities on by {AfterRestoreCommand.DefaultSeqGap}", output);
        });

        await tenant.CreateFilesAsync(drive, 1);
        var next = 3 + AfterRestoreCommand.DefaultSeqGap + 1;
        await Eventually.TrueAsync(() => app.Processed.Count == 7, "the device to process the change made after the restore");
        Assert.Equal([1L, 2, 3, 4, 5, 6, next], app.Processed);
        // A device that re-reads /changes from where it was finds it there too.
        Assert.Equal([next], (await tenant.ChangesAsync(drive)).Select(c => c.GetProperty("seq").GetInt64()).Where(seq => seq > 6));
    }

    [Fact]
    public async Task The_after_restore_command_refuses_what_it_does_not_understand()
    {
        var (exit, output) = await AfterRestoreAsync("--seq-gap", "0");
        Assert.Equal(2, exit);
        Assert.Contains("usage: after-restore [--seq-gap N]", output);
    }

    /// <summary>The command as an operator runs it: the Hosting executable, with the database the instances use.</summary>
    private async Task<(int Exit, string Output)> AfterRestoreAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [RepositoryPaths.Executable("Odin.Hosting", "Odin.Hosting"), AfterRestoreCommand.Name, .. arguments])
        {
            WorkingDirectory = Directory.CreateTempSubdirectory("odin-after-restore-").FullName,
            Environment =
            {
                ["Odin__Database__Provider"] = "Postgres",
                ["Odin__Database__ConnectionString"] = Cluster.DatabaseConnectionString,
            },
        };
        return await ChildProcess.RunCapturedAsync(start, TimeSpan.FromMinutes(2));
    }
}
