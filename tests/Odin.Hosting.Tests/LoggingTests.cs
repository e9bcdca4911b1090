using System.Text.Json;
using System.Text.RegularExpressions;
using Odin.Testing;

namespace Odin.Hosting.Tests;

/// <summary>What an operator reads: the real executable's console, one line per event with a UTC timestamp, JSON on request, a line per request without its query string, and a Redis that stays away logged once, not every second.</summary>
public sealed partial class LoggingTests
{
    [Fact]
    public async Task Every_log_event_is_one_timestamped_line_and_each_request_is_logged_without_its_query()
    {
        var log = await RunAsync(new Dictionary<string, string>(), async http =>
        {
            using var _ = await http.GetAsync("/api/v1/no-such-thing?access_token=secret-value");
        });

        var events = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("Created ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, line => Assert.Matches(Timestamped(), line));
        Assert.Contains(events, line => line.Contains("Odin.Requests", StringComparison.Ordinal) && line.Contains("GET /api/v1/no-such-thing 404", StringComparison.Ordinal));
        Assert.DoesNotContain("secret-value", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_json_formatter_every_event_is_a_json_object()
    {
        var log = await RunAsync(new() { ["Logging__Console__FormatterName"] = "json" }, async http =>
        {
            using var _ = await http.GetAsync("/api/v1/no-such-thing");
        });

        var events = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("Created ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
    }

    [Fact]
    public async Task A_redis_that_stays_away_is_logged_once_per_subscription_not_every_second()
    {
        var folder = Directory.CreateTempSubdirectory("odin-log-keys-").FullName;
        try
        {
            var key = Path.Combine(folder, "signing-key.pem");
            Odin.Hosting.Auth.SigningKey.Load(key, createIfMissing: true);
            var log = await RunAsync(new()
            {
                ["Odin__Redis__Configuration"] = "127.0.0.1:1",
                ["Odin__Auth__SigningKeyPath"] = key,
                ["Odin__Admin__ApiKey"] = OdinHost.AdminKey,
                ["Odin__Keys__EncryptionKey"] = OdinHost.EncryptionKey,
                ["Odin__Database__ConnectionString"] = $"Data Source={Path.Combine(folder, "odin.db")}",
            }, async http =>
            {
                // Five seconds of a Redis that never answers: five attempts per subscription.
                var until = DateTime.UtcNow.AddSeconds(5);
                while (DateTime.UtcNow < until)
                {
                    using var _ = await http.GetAsync("/health/live");
                    await Task.Delay(250); // pacing a probe loop that runs for a fixed time on purpose
                }
            });

            var attempts = log.Split('\n').Where(l => l.Contains("Cannot subscribe to", StringComparison.Ordinal)).ToList();
            Assert.InRange(attempts.Count, 1, 4); // once per subscription (registry, outbox wake-ups, certificates)
            Assert.All(attempts, line => Assert.DoesNotContain("IOCP", line, StringComparison.Ordinal)); // the reason, not StackExchange.Redis's whole state
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Starts Odin.Hosting in an empty folder with its own log settings, runs <paramref name="work"/>, stops it (SIGTERM) and returns its console.</summary>
    private static async Task<string> RunAsync(Dictionary<string, string> environment, Func<HttpClient, Task> work)
    {
        var folder = Directory.CreateTempSubdirectory("odin-log-").FullName;
        try
        {
            environment.TryAdd("Logging__LogLevel__Default", "Information");
            var host = new ProcessHost("hosting", RepositoryPaths.Executable("Odin.Hosting", "Odin.Hosting"), environment, folder, workingDirectory: folder);
            await using (host)
            {
                await host.StartAsync();
                using var http = new HttpClient { BaseAddress = host.BaseAddress };
                await work(http);
                await host.TerminateAsync(TimeSpan.FromSeconds(30));
            }

            return await File.ReadAllTextAsync(host.LogPath);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex Timestamped();
}
