using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Odin.Testing;

/// <summary>
/// Pebble enforces no rate limits (its README says so), so this front stands in for the one response a CA
/// gives when it does: a directory that is pebble's own except that <c>newOrder</c> points here, where every
/// order is refused with <c>429</c>, a <c>rateLimited</c> problem document and <c>Retry-After</c>. Accounts,
/// nonces and everything else are pebble's.
/// </summary>
public sealed class RateLimitingAcmeFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _orders;

    private RateLimitingAcmeFront(WebApplication app, Uri directoryUrl)
    {
        _app = app;
        DirectoryUrl = directoryUrl;
    }

    public Uri DirectoryUrl { get; }

    /// <summary>Orders refused so far.</summary>
    public int RefusedOrders => Volatile.Read(ref _orders);

    public static async Task<RateLimitingAcmeFront> StartAsync(PebbleServer pebble, TimeSpan retryAfter)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var front = new RateLimitingAcmeFront(app, new Uri($"http://127.0.0.1:{port}/dir"));
        app.MapGet("/dir", async () =>
        {
            using var http = pebble.CreateTrustingClient();
            var directory = JsonNode.Parse(await http.GetStringAsync(pebble.DirectoryUrl))!.AsObject();
            directory["newOrder"] = $"http://127.0.0.1:{port}/order-plz";
            return Results.Text(directory.ToJsonString(), "application/json");
        });
        app.MapPost("/order-plz", (HttpContext context) =>
        {
            Interlocked.Increment(ref front._orders);
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text(
                JsonSerializer.Serialize(new { type = "urn:ietf:params:acme:error:rateLimited", detail = "too many new orders recently", status = 429 }),
                "application/problem+json", statusCode: StatusCodes.Status429TooManyRequests);
        });
        await app.StartAsync();
        return front;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
