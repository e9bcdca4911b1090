using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Odin.Client;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Hosting.Tests.Sdk;

/// <summary>
/// A gateway that sends a new device notifications without end before it answers <c>Subscribe</c> (a fault, or an
/// attacker on the path): the SDK holds at most its limit, leaves that connection and starts on the next one.
/// </summary>
public sealed class FloodingGatewayTests
{
    private const int Flood = 5000; // over the SDK's 4096

    [Fact]
    public async Task A_new_device_flooded_before_its_Subscribe_answer_leaves_that_connection_and_starts_on_the_next()
    {
        var script = new FloodScript();
        await using var gateway = await StartGatewayAsync(script);
        var hubUrl = new Uri($"{gateway.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()}/hubs/device");
        await using var device = new OdinDevice(new OdinDeviceOptions
        {
            Domain = "flooded.example",
            ServerUrl = hubUrl,
            HubUrl = hubUrl,
            Drives = [Guid.NewGuid()],
            TokenProvider = _ => Task.FromResult(new DeviceTokenResponse("not-checked-here", DateTimeOffset.UtcNow.AddHours(1), hubUrl.ToString())),
            ReconnectJitter = TimeSpan.FromMilliseconds(100),
        });
        var raised = new List<long>();
        device.OnNotification(n =>
        {
            lock (raised)
            {
                raised.Add(n.Envelope.Seq);
            }

            return Task.CompletedTask;
        });

        await device.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => { lock (raised) { return raised.Count == 1; } }, "the notification after the second answer's head");

        Assert.Equal(2, script.Subscribes);
        // The device left the flooding connection (the server sees the close in its own time, maybe after the second answer).
        await script.FirstClosedByDevice.Task.WaitAsync(Eventually.DefaultTimeout);
        lock (raised)
        {
            Assert.Equal([Flood + 1L], raised); // what came before the head of the answer it started at is not its to process
        }
    }

    private static async Task<WebApplication> StartGatewayAsync(FloodScript script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSignalR();
        builder.Services.AddSingleton(script);
        var app = builder.Build();
        app.UseWebSockets();
        app.MapHub<FloodingHub>("/hubs/device");
        await app.StartAsync();
        return app;
    }

    private sealed class FloodScript
    {
        private int _subscribes;

        public int Subscribes => Volatile.Read(ref _subscribes);

        public TaskCompletionSource FirstClosedByDevice { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int NextSubscribe() => Interlocked.Increment(ref _subscribes);
    }

    private sealed class FloodingHub(FloodScript script) : Microsoft.AspNetCore.SignalR.Hub
    {
        public async Task<SubscribeResult> Subscribe(SubscribeRequest request)
        {
            var tenant = Guid.NewGuid();
            if (script.NextSubscribe() == 1)
            {
                // Floods, and never answers: the device has to give this connection up (maybe while the flood is still going).
                Context.ConnectionAborted.Register(() => script.FirstClosedByDevice.TrySetResult());
                for (var seq = 1; seq <= Flood; seq++)
                {
                    await Clients.Caller.SendAsync(nameof(IDeviceClient.Notification), Envelope(tenant, seq), Context.ConnectionAborted);
                }

                await Task.Delay(Timeout.Infinite, Context.ConnectionAborted);
            }

            // Behaves: one notification before its answer, above the head it answers with.
            await Clients.Caller.SendAsync(nameof(IDeviceClient.Notification), Envelope(tenant, Flood + 1));
            return new SubscribeResult { Accepted = [.. request.DriveIds], Rejected = [], Recovered = false, LastSeq = Flood, Epoch = "e1" };
        }

        private static NotificationEnvelope Envelope(Guid tenant, long seq) => new()
        {
            Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileModified, TenantId = tenant, DriveId = Guid.NewGuid(), FileId = Guid.NewGuid(),
            VersionTag = "v", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
    }
}
