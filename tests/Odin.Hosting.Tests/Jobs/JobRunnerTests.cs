using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;
using Odin.Testing;

namespace Odin.Hosting.Tests.Jobs;

/// <summary>The runner in a single node: retries a failing handler, commits completion writes once, refuses unknown types.</summary>
public sealed class JobRunnerTests : IAsyncLifetime
{
    private OdinHost _host = null!;

    public async Task InitializeAsync() => _host = await OdinHost.StartAsync(
        new Dictionary<string, string?> { ["Odin:Jobs:PollInterval"] = "00:00:00.050", ["Odin:Jobs:RetryDelay"] = "00:00:00.050" },
        services: services => services.AddJobHandler<FailsTwiceJob>(FailsTwiceJob.Type));

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_host.DataFolder, recursive: true);
    }

    [Fact]
    public async Task A_failing_job_is_retried_until_it_succeeds_and_its_completion_write_commits_once()
    {
        var queue = _host.Services.GetRequiredService<JobQueue>();
        await queue.EnqueueAsync(new JobRequest(FailsTwiceJob.Type) { MaxAttempts = 5 });

        await Eventually.TrueAsync(async () => (await queue.CountByStateAsync(FailsTwiceJob.Type)).GetValueOrDefault("succeeded") == 1, "the job to succeed");
        Assert.Equal(3, _host.Services.GetRequiredService<FailsTwiceJob>().Runs);
        await using var connection = await _host.Services.GetRequiredService<IDatabase>().OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fails_twice_effects"));
    }

    [Fact]
    public async Task A_job_of_a_type_no_handler_knows_fails_with_a_message_that_names_the_type()
    {
        var queue = _host.Services.GetRequiredService<JobQueue>();
        await queue.EnqueueAsync(new JobRequest("nobody.handles.this") { MaxAttempts = 1 });

        await Eventually.TrueAsync(async () => (await queue.CountByStateAsync("nobody.handles.this")).GetValueOrDefault("failed") == 1, "the job to fail");
        await using var connection = await _host.Services.GetRequiredService<IDatabase>().OpenAsync();
        Assert.Equal("no handler for job type 'nobody.handles.this' on this instance",
            await connection.ExecuteScalarAsync<string>("SELECT last_error FROM jobs WHERE type = 'nobody.handles.this'"));
    }

    [Fact]
    public async Task The_clean_up_job_is_scheduled_once()
    {
        var queue = _host.Services.GetRequiredService<JobQueue>();
        await Eventually.TrueAsync(async () => (await queue.CountByStateAsync(JobCleanup.Type)).GetValueOrDefault("queued") == 1, "the clean-up job to be queued");
    }

    private sealed class FailsTwiceJob(IDatabase database) : IJobHandler
    {
        public const string Type = "test.fails-twice";
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public async Task RunAsync(JobContext job, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _runs) <= 2)
            {
                throw new InvalidOperationException("not yet");
            }

            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS fails_twice_effects (job_id TEXT)");
            }

            job.OnComplete(write => write.Connection.ExecuteAsync("INSERT INTO fails_twice_effects (job_id) VALUES (@Id)", new { job.Id }, write.Transaction));
        }
    }
}
