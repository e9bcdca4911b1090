using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Hosting.Tests.Hub;

/// <summary>A device that keeps making bad calls gets its hub errors, and the server's log gets no error and no stack trace for them.</summary>
public sealed class HubErrorLoggingTests
{
    [Fact]
    public async Task Bad_calls_are_not_logged_as_server_errors()
    {
        var log = new CapturingLoggerProvider();
        await using var host = await OdinHost.StartAsync(services: s => s.AddSingleton<ILoggerProvider>(log));
        var api = new OdinApi(host.CreateClient());
        var tenant = await api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        await using var device = await NotificationRecorder.ConnectAsync(host.HubUrl, (await tenant.CreateDeviceAsync((drive, "read"))).AccessToken, messagePack: false);

        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<HubException>(() => device.ResumeAsync(-1, "epoch", drive));
            await Assert.ThrowsAsync<HubException>(() => device.Connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, (SubscribeRequest?)null));
        }

        Assert.InRange(await device.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error || e.Exception is not null);
        Directory.Delete(host.DataFolder, recursive: true);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, Exception?)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel, exception));
        }
    }
}
