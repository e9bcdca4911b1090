using System.Diagnostics;

namespace Odin.Testing;

/// <summary>
/// A real Odin executable (Gateway or Odin.Hosting) as its own process on a fixed loopback port, configured
/// by environment variables, logging to a file, stopped by its own PID.
/// </summary>
public sealed class ProcessHost : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string? _workingDirectory;
    private Process? _process;

    /// <param name="workingDirectory">Where it runs (a single node keeps <c>data/</c> there); the test's own when null.</param>
    public ProcessHost(string name, string dll, IReadOnlyDictionary<string, string> environment, string logFolder, string? workingDirectory = null)
    {
        Name = name;
        _dll = dll;
        _environment = environment;
        _workingDirectory = workingDirectory;
        LogPath = Path.Combine(logFolder, $"{name}.log");
    }

    public string Name { get; }

    public int Port { get; } = FreePort.Next();

    public string Address => $"127.0.0.1:{Port}";

    public Uri BaseAddress => new($"http://{Address}");

    public string LogPath { get; }

    /// <summary>Whether it was started and has exited since (killed by a test, or stopped by a fault of its own).</summary>
    public bool HasExited => _process is { HasExited: true };

    /// <summary>The running process's id (null before the first start).</summary>
    public int? ProcessId => _process?.Id;

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _workingDirectory ?? "" };
        start.ArgumentList.Add(_dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://{Address}");
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment.TryAdd("Logging__LogLevel__Default", "Warning"); // quiet, unless the test reads the log
        _process = ChildProcess.Start(start, LogPath);
        await Eventually.TrueAsync(IsLiveAsync, $"{Name} to answer /health/live (log: {LogPath})", TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGTERM, as an orchestrator stops a process; returns how long it took to exit (null: still running after <paramref name="limit"/>).</summary>
    public async Task<TimeSpan?> TerminateAsync(TimeSpan limit)
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await ChildProcess.RunAsync("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return watch.Elapsed;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>kill -9: what a crash looks like to the rest of the cluster.</summary>
    public void Kill() => ChildProcess.Kill(_process);

    public async Task<bool> IsReadyAsync() => (await GetAsync("/health/ready")).Status == 200;

    /// <summary>The last <paramref name="lines"/> lines of its log (warnings and errors: tests keep it quiet), for a failure's output.</summary>
    public string LogTail(int lines)
    {
        var log = LogLines();
        return log.Count == 0 ? "(no log)" : string.Join('\n', log.Skip(Math.Max(0, log.Count - lines)));
    }

    /// <summary>Its log so far, line by line (it is still being written).</summary>
    public IReadOnlyList<string> LogLines()
    {
        if (!File.Exists(LogPath))
        {
            return [];
        }

        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>What <c>/health/ready</c> answers (status 0 and no body while the process does not answer).</summary>
    public Task<(int Status, string Body)> ReadinessAsync() => GetAsync("/health/ready");

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.CompletedTask;
    }

    private async Task<bool> IsLiveAsync()
    {
        if (_process is { HasExited: true })
        {
            throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}: {await File.ReadAllTextAsync(LogPath)}");
        }

        return (await GetAsync("/health/live")).Status == 200;
    }

    private async Task<(int Status, string Body)> GetAsync(string path)
    {
        try
        {
            using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            using var response = await http.GetAsync(path);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, ""); // not answering (yet), or too busy to answer within the timeout: ask again
        }
    }
}
