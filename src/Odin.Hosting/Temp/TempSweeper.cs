using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;

namespace Odin.Hosting.Temp;

/// <summary>
/// Leader only: deletes staged files under the whole staging root that nobody wrote to for
/// <see cref="TempFolderOptions.MaxAge"/> (their upload was abandoned), and empty folders of instances gone as
/// long. One instance sweeps, so instances sharing the root never race over the same files; an upload in
/// progress keeps writing and is never that old.
/// </summary>
public sealed partial class TempSweeper(
    TempFolder folder, ILeaderElection election, IOptions<TempFolderOptions> options, TimeProvider time, ILogger<TempSweeper> logger)
    : LeaderBackgroundService(election, time, logger)
{
    private int _sweeps;

    /// <summary>Sweeps this instance has made (for tests and the logs).</summary>
    public int Sweeps => Volatile.Read(ref _sweeps);

    protected override async Task RunAsLeaderAsync(LeaderTerm term, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, Time);
        do
        {
            Sweep();
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    internal void Sweep()
    {
        Interlocked.Increment(ref _sweeps);
        if (!Directory.Exists(folder.Root))
        {
            return;
        }

        var cutoff = (Time.GetUtcNow() - options.Value.MaxAge).UtcDateTime;
        var deleted = 0;
        foreach (var instanceFolder in new DirectoryInfo(folder.Root).EnumerateDirectories())
        {
            foreach (var file in instanceFolder.EnumerateFiles("*", SearchOption.AllDirectories))
            {
                deleted += TryDelete(file, cutoff) ? 1 : 0;
            }

            if (instanceFolder.FullName != folder.InstanceFolder && !instanceFolder.EnumerateFileSystemInfos().Any() && instanceFolder.LastWriteTimeUtc < cutoff)
            {
                TryDelete(instanceFolder, cutoff);
            }
        }

        if (deleted > 0)
        {
            LogSwept(logger, deleted, folder.Root);
        }
    }

    private static bool TryDelete(FileSystemInfo entry, DateTime cutoff)
    {
        try
        {
            entry.Refresh();
            if (!entry.Exists || entry.LastWriteTimeUtc >= cutoff)
            {
                return false;
            }

            entry.Delete();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // gone already, or in use: the next sweep looks again
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} abandoned staging files under {Root}")]
    private static partial void LogSwept(ILogger logger, int count, string root);
}
