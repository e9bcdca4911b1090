using System.Collections.Concurrent;
using System.Diagnostics;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>
/// One write followed to the device that heard it, in the spans the processes make (collected here by a listener, as
/// an in-memory exporter would): the HTTP write on one Hosting instance, the publish of its outbox row, the receipt
/// through Redis on a gateway, the fan-out and the send to the device, all in one trace.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class TracingAcrossInstancesTests(SharedCluster shared)
{
    [Fact]
    public async Task One_write_is_one_trace_from_the_request_through_the_outbox_and_Redis_to_the_send_to_the_device()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Odin" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var cluster = shared.Cluster;
        var tenant = await new OdinApi(cluster.Hosting[0].CreateClient()).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        await using var recorder = await NotificationRecorder.ConnectAsync(cluster.Gateways[1].HubUrl, device.AccessToken, messagePack: true);
        await recorder.SubscribeAsync(drive);

        // The write, on the other Hosting instance, inside a trace of the test's own (HttpClient sends its traceparent).
        using var source = new ActivitySource("Odin.Tests");
        using var clientListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Odin.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(clientListener);
        var file = Guid.NewGuid();
        ActivityTraceId traceId;
        using (var write = source.StartActivity("write a file")!)
        {
            traceId = write.TraceId;
            using var response = await new OdinApi(cluster.Hosting[1].CreateClient()).SendAsync(
                HttpMethod.Put, $"/api/v1/drives/{drive}/files/{file}", tenant.OwnerToken, tenant.Domain, new { metadata = new { } });
            response.EnsureSuccessStatusCode();
        }

        await recorder.WaitForAsync(n => n.FileId == file, "the notification on the device");
        List<Activity> Trace() => [.. spans.Where(s => s.TraceId == traceId)];
        await Eventually.TrueAsync(() => Trace().Any(s => s.OperationName == "notification send"), "the send to the device in the write's trace");

        var trace = Trace();
        var request = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server);
        var publish = Assert.Single(trace, s => s.OperationName == "notification publish");
        var receive = Assert.Single(trace, s => s.OperationName == "notification receive");
        var fanOut = Assert.Single(trace, s => s.OperationName == "notification fan-out");
        var send = Assert.Single(trace, s => s.OperationName == "notification send");
        // Each continues the one before: the request's context went into the outbox row, the publish's through Redis.
        Assert.Equal(request.SpanId, publish.ParentSpanId);
        Assert.Equal(publish.SpanId, receive.ParentSpanId);
        Assert.Equal(receive.SpanId, fanOut.ParentSpanId);
        Assert.Equal(fanOut.SpanId, send.ParentSpanId);
        Assert.Equal((ActivityKind.Producer, ActivityKind.Consumer), (publish.Kind, receive.Kind));
        Assert.NotNull(send.GetTagItem("odin.connection"));
    }
}
