using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Odin.ClusterPrimitives.Observability;

namespace Odin.ClusterPrimitives.Reports;

/// <summary>
/// Every <see cref="Interval"/>, this process leaves its <see cref="InstanceReport"/> (kind, version, readiness and each
/// readiness check, its figures) where the dashboard reads it, valid for <see cref="Lifetime"/>; on a clean stop it
/// takes it back. A report it cannot leave (Redis away) is skipped: the dashboard shows the instance gone.
/// </summary>
public sealed partial class InstanceReporter(
    string kind, IInstanceReports reports, IEnumerable<IInstanceFigures> figures, IEnumerable<IRecentEvents> events, HealthCheckService health, TimeProvider time,
    ILogger<InstanceReporter> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>This process, as <c>target_info</c>'s <c>service_instance_id</c> names it.</summary>
    public static string Instance { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    private static readonly string Version =
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await reports.PublishAsync(await ReportAsync(stoppingToken));
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogNotReported(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await reports.RemoveAsync(Instance);
        }
        catch (Exception ex)
        {
            LogNotReported(logger, ex); // it expires by itself
        }
    }

    private async Task<InstanceReport> ReportAsync(CancellationToken cancellationToken)
    {
        var readiness = await health.CheckHealthAsync(check => check.Tags.Contains(HealthTags.Ready), cancellationToken);
        var numbers = new Dictionary<string, double>();
        var status = readiness.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "ok" : e.Value.Description ?? e.Value.Status.ToString());
        foreach (var source in figures)
        {
            source.Add(numbers, status);
        }

        var now = time.GetUtcNow();
        var recent = events.SelectMany(e => e.Recent).OrderByDescending(e => e.At).Take(RecentEvents.Capacity).ToList();
        return new InstanceReport(kind, Instance, Version, readiness.Status == HealthStatus.Healthy, now, now + Lifetime, numbers, status, recent);
    }

    private static void LogNotReported(ILogger logger, Exception exception)
    {
        var reason = exception.GetBaseException().Message;
        LogNotReported(logger, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not leave this instance's report for the dashboard: {Reason}")]
    private static partial void LogNotReported(ILogger logger, string reason);
}
