using System.Runtime.InteropServices;

namespace Odin.Gateway.Hub;

/// <summary>
/// The host's lifetime, in place of the console lifetime: SIGTERM, SIGINT and SIGQUIT first drain the gateway
/// (<see cref="GatewayDrain"/>), then stop the application. The console lifetime would stop it at once, and
/// SignalR would close every device's connection without telling it to reconnect.
/// </summary>
internal sealed partial class DrainFirstLifetime(GatewayDrain drain, IHostApplicationLifetime application, ILogger<DrainFirstLifetime> logger)
    : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _signals = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // not the runtime's default (exit now): the application stops once drained
        LogSignal(logger, context.Signal);
        _ = StopWhenDrainedAsync();
    }

    private async Task StopWhenDrainedAsync()
    {
        try
        {
            await drain.DrainAsync();
        }
        finally
        {
            application.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Signal}: draining, then stopping")]
    private static partial void LogSignal(ILogger logger, PosixSignal signal);
}
