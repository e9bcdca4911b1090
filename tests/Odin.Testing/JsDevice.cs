using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Odin.Testing;

/// <summary>
/// <c>tests/js-sdk/device.mjs</c> under node: a device app on the TypeScript SDK (src/odin-client-js, built by
/// <c>scripts/test.sh</c>), itself on the official <c>@microsoft/signalr</c> client. It reports each event as a JSON
/// line: what its handler was given (<c>notification</c>), its states, and why it stopped.
/// </summary>
public sealed class JsDevice : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _events = new();
    private bool _disposed;

    private JsDevice(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && line[0] == '{')
            {
                _events.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IReadOnlyList<JsonElement> Events => [.. _events];

    /// <summary>The seqs the app's handler processed, in order (the SDK drops repeats and re-reads gaps itself).</summary>
    public IReadOnlyList<long> Seqs => [.. Of("notification").Select(e => e.GetProperty("seq").GetInt64())];

    /// <summary>Notifications the SDK re-read from <c>/changes</c> after a <c>Resync</c>.</summary>
    public int FromChanges => Of("notification").Count(e => e.GetProperty("fromChanges").GetBoolean());

    /// <summary>Times the device waited to come back after its connection ended.</summary>
    public int Drops => Of("state").Count(e => e.GetProperty("state").GetString() == "reconnecting");

    public IReadOnlyList<JsonElement> Of(string kind) => [.. _events.Where(e => e.GetProperty("event").GetString() == kind)];

    /// <summary>
    /// Starts the device of <paramref name="device"/>: REST calls to <paramref name="server"/> (addressed to the identity by
    /// <c>Host</c>), the hub at <paramref name="hubUrl"/>; its position in <paramref name="positionFile"/> when given (so a
    /// device started again with it resumes). Returns once it is live.
    /// </summary>
    public static async Task<JsDevice> StartAsync(Uri server, Uri hubUrl, DeviceHandle device, Guid driveId, string? positionFile = null)
    {
        var script = RepositoryPaths.InRepository("tests", "js-sdk", "device.mjs");
        if (!File.Exists(RepositoryPaths.InRepository("src", "odin-client-js", "dist", "index.js")))
        {
            throw new InvalidOperationException("src/odin-client-js is not built: run 'npm ci && npm run build' there (scripts/test.sh does).");
        }

        var start = new ProcessStartInfo(ServerBinaries.Find("node"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        foreach (var arg in new[] { script, server.ToString(), device.Tenant.Domain, device.DeviceId.ToString(), device.Secret, driveId.ToString(), hubUrl.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        if (positionFile is not null)
        {
            start.Environment["ODIN_POSITION_FILE"] = positionFile;
        }

        var js = new JsDevice(Process.Start(start) ?? throw new InvalidOperationException("node did not start"));
        await Eventually.TrueAsync(() => js.Of("live").Count == 1 || js.Of("start-failed").Count == 1, "the JavaScript device to connect and subscribe", TimeSpan.FromSeconds(30));
        return js.Of("live").Count == 1
            ? js
            : throw new InvalidOperationException($"The JavaScript device did not start: {js.Of("start-failed")[0]}");
    }

    /// <summary>Stops the device (it closes its connection and exits, its position saved); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            ChildProcess.Kill(_process);
        }

        _process.Dispose();
    }
}
