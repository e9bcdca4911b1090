using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Odin.Testing;

/// <summary>
/// <c>tests/js-device/device.mjs</c> under node: a device built on the official <c>@microsoft/signalr</c> JavaScript
/// client (installed by <c>scripts/test.sh</c> with <c>npm ci</c>). It reports each event as a JSON line.
/// </summary>
public sealed class JsDevice : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _events = new();

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

    /// <summary>The seqs the device processed (repeats already dropped by the device), in order.</summary>
    public IReadOnlyList<long> Seqs => [.. Of("notification").Select(e => e.GetProperty("seq").GetInt64())];

    public IReadOnlyList<JsonElement> Of(string kind) => [.. _events.Where(e => e.GetProperty("event").GetString() == kind)];

    public static async Task<JsDevice> StartAsync(Uri hubUrl, string token, Guid driveId)
    {
        var script = RepositoryPaths.InRepository("tests", "js-device", "device.mjs");
        if (!Directory.Exists(RepositoryPaths.InRepository("tests", "js-device", "node_modules")))
        {
            throw new InvalidOperationException("tests/js-device/node_modules is missing: run 'npm ci' in tests/js-device (scripts/test.sh does).");
        }

        var start = new ProcessStartInfo(ServerBinaries.Find("node"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        foreach (var arg in new[] { script, hubUrl.ToString(), token, driveId.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        var device = new JsDevice(Process.Start(start) ?? throw new InvalidOperationException("node did not start"));
        await Eventually.TrueAsync(() => device.Of("subscribed").Count == 1, "the JavaScript device to connect and subscribe", TimeSpan.FromSeconds(30));
        return device;
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close(); // the device stops its connection and exits
        if (!_process.WaitForExit(5000))
        {
            ChildProcess.Kill(_process);
        }

        _process.Dispose();
        await Task.CompletedTask;
    }
}
