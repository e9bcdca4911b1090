using System.Diagnostics;
using Odin.Shared.Realtime;

namespace Odin.LoadTest.Compare;

/// <summary>One server under test: started as its own process, connected to by devices, published to through Redis.</summary>
internal abstract class BenchTarget : IAsyncDisposable
{
    private Process? _process;

    public abstract string Name { get; }

    public int Port { get; } = Ports.Free();

    public int ProcessId => _process?.Id ?? 0;

    protected string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Starts the server and waits until it reports ready.</summary>
    public async Task StartAsync(string redis)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        Configure(start, redis);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUrl);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[{Name}] {e.Data}"); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync($"{BaseUrl}/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{Name} did not become ready");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>kill -9: the server dies with its connections open.</summary>
    public void Kill()
    {
        _process?.Kill();
        _process?.WaitForExit(10_000);
    }

    /// <summary>The program, its arguments and environment.</summary>
    protected abstract void Configure(ProcessStartInfo start, string redis);

    /// <summary>Work done before the clock starts (Odin: minting the devices' tokens, which Hosting does, not the gateway).</summary>
    public virtual void Prepare(int devices)
    {
    }

    /// <summary>Connects one device (index <paramref name="device"/>) and subscribes it to the benchmark drive.</summary>
    public abstract Task<BenchClient> ConnectAsync(int device, bool messagePack);

    public abstract Task PublishAsync(NotificationEnvelope envelope);

    /// <summary>Connects a device that subscribes like the others and then stops reading (<c>stalled</c>).</summary>
    public virtual Task<StalledClient> ConnectStalledAsync() => throw new NotSupportedException($"{Name} has no SignalR hub to stall.");

    public virtual ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
