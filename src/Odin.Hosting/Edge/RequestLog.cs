using System.Diagnostics;

namespace Odin.Hosting.Edge;

/// <summary>
/// One log line per request (category <c>Odin.Requests</c>, Information): method, path, status, milliseconds and
/// trace id. Never the query string (a hub connection carries its token there) nor a header. Health checks and
/// metric scrapes, which a load balancer makes every second, are left out. Quiet it with
/// <c>Logging__LogLevel__Odin.Requests=Warning</c>.
/// </summary>
internal sealed partial class RequestLog(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("Odin.Requests");

    public async Task InvokeAsync(HttpContext context)
    {
        if (!_logger.IsEnabled(LogLevel.Information) || IsProbe(context.Request.Path))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var trace = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            LogRequest(_logger, context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode, elapsed, trace);
        }
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {Status} {ElapsedMs:F1} ms trace {TraceId}")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double elapsedMs, string traceId);
}
