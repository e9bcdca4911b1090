using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Odin.LoadTest;

/// <summary>A redis-server of the benchmark's own, on a free port, stopped with it.</summary>
internal sealed class LocalRedis : IAsyncDisposable
{
    private readonly Process _process;

    private LocalRedis(Process process, int port)
    {
        _process = process;
        Configuration = $"127.0.0.1:{port}";
    }

    public string Configuration { get; }

    public static async Task<LocalRedis> StartAsync()
    {
        var port = Compare.Ports.Free();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (scripts/setup.sh installs it)");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=200");
                return new LocalRedis(process, port);
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("redis-server did not answer");
    }

    public ValueTask DisposeAsync()
    {
        _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
