using Dapper;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Odin.Hosting.Cluster;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;
using Odin.Hosting.Tests.Storage;

namespace Odin.Hosting.Tests.Jobs;

/// <summary>The jobs table's claims, leases, retries, uniqueness and recurrence; on SQLite and PostgreSQL.</summary>
public abstract class JobQueueContract(Func<Task<DatabaseOptions>> createOptions) : DatabaseTest(createOptions)
{
    private static readonly JobOptions Options = new()
    {
        Lease = TimeSpan.FromSeconds(30),
        MaxAttempts = 3,
        RetryDelay = TimeSpan.FromSeconds(2),
        MaxRetryDelay = TimeSpan.FromSeconds(3),
        Retention = TimeSpan.FromHours(1),
    };

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddYears(56));
    private JobQueue _queue = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _queue = new JobQueue(Database, new JobSignal(), new InstanceIdentity(), Microsoft.Extensions.Options.Options.Create(Options), _time);
    }

    [Fact]
    public async Task A_unique_job_is_enqueued_once_however_many_ask_at_once_and_again_after_it_finished()
    {
        var request = new JobRequest("t") { UniqueKey = "health:tenant-1" };
        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _queue.EnqueueAsync(request)));
        Assert.Equal(1, added.Count(a => a));

        var job = Assert.Single(await _queue.ClaimAsync(10));
        Assert.False(await _queue.EnqueueAsync(request)); // still pending while it runs
        await CompleteAsync(job);
        Assert.True(await _queue.EnqueueAsync(request));
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_job()
    {
        for (var i = 0; i < 200; i++)
        {
            await _queue.EnqueueAsync(new JobRequest("t", $"{i}"));
        }

        var claimed = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var mine = new List<string>();
            while ((await _queue.ClaimAsync(5)) is { Count: > 0 } batch)
            {
                mine.AddRange(batch.Select(j => j.Payload!));
            }

            return mine;
        }));
        var all = claimed.SelectMany(c => c).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());
    }

    [Fact]
    public async Task A_job_whose_lease_ran_out_is_claimed_again_and_the_old_claim_can_no_longer_heartbeat_or_complete()
    {
        await _queue.EnqueueAsync(new JobRequest("t"));
        var first = Assert.Single(await _queue.ClaimAsync(1));
        _time.Advance(Options.Lease / 2);
        Assert.True(await _queue.HeartbeatAsync(first)); // the lease now ends 30 s from here
        _time.Advance(Options.Lease / 2 + TimeSpan.FromSeconds(1));
        Assert.Empty(await _queue.ClaimAsync(1)); // the heartbeat kept it
        _time.Advance(Options.Lease);

        var second = Assert.Single(await _queue.ClaimAsync(1));
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.Attempts);
        Assert.False(await _queue.HeartbeatAsync(first));
        Assert.False(await CompleteAsync(first, effect: "late"));
        Assert.False(await _queue.FailAsync(first, "late"));
        Assert.True(await CompleteAsync(second, effect: "second"));
        Assert.Equal(["second"], await EffectsAsync());
        Assert.Equal("succeeded", await StateAsync(first.Id));
    }

    [Fact]
    public async Task A_failing_job_is_retried_after_a_growing_delay_then_fails_for_good()
    {
        await _queue.EnqueueAsync(new JobRequest("t"));
        var job = Assert.Single(await _queue.ClaimAsync(1));
        Assert.True(await _queue.FailAsync(job, "boom 1"));
        Assert.Empty(await _queue.ClaimAsync(1));
        _time.Advance(TimeSpan.FromSeconds(2)); // first retry delay

        job = Assert.Single(await _queue.ClaimAsync(1));
        Assert.Equal(2, job.Attempts);
        Assert.True(await _queue.FailAsync(job, "boom 2"));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await _queue.ClaimAsync(1)); // doubled to 4 s, capped at 3 s
        _time.Advance(TimeSpan.FromSeconds(1));

        job = Assert.Single(await _queue.ClaimAsync(1));
        Assert.Equal(3, job.Attempts);
        Assert.True(await _queue.FailAsync(job, "boom 3"));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await _queue.ClaimAsync(1));
        Assert.Equal("failed", await StateAsync(job.Id));
        await using var connection = await Database.OpenAsync();
        Assert.Equal("boom 3", await connection.ExecuteScalarAsync<string>("SELECT last_error FROM jobs WHERE id = @Id", new { job.Id }));
    }

    [Fact]
    public async Task A_job_whose_runners_keep_dying_is_claimed_past_its_attempts_so_the_runner_can_give_up()
    {
        await _queue.EnqueueAsync(new JobRequest("t") { MaxAttempts = 1 });
        Assert.Single(await _queue.ClaimAsync(1));
        _time.Advance(Options.Lease + TimeSpan.FromSeconds(1));
        var again = Assert.Single(await _queue.ClaimAsync(1));
        Assert.True(again.Attempts > again.MaxAttempts);
        Assert.True(await _queue.FailAsync(again, "gave up"));
        Assert.Equal("failed", await StateAsync(again.Id));
    }

    [Fact]
    public async Task A_recurring_job_is_queued_again_after_each_run_and_a_stopping_runner_can_hand_a_job_back()
    {
        await _queue.EnqueueAsync(new JobRequest("t") { UniqueKey = "r", Every = TimeSpan.FromMinutes(1) });
        var run = Assert.Single(await _queue.ClaimAsync(1));
        Assert.True(await CompleteAsync(run));
        Assert.Equal("queued", await StateAsync(run.Id));
        Assert.Empty(await _queue.ClaimAsync(1));
        Assert.False(await _queue.EnqueueAsync(new JobRequest("t") { UniqueKey = "r", Every = TimeSpan.FromMinutes(1) }));
        _time.Advance(TimeSpan.FromMinutes(1));

        run = Assert.Single(await _queue.ClaimAsync(1));
        Assert.Equal(1, run.Attempts);
        await _queue.ReleaseAsync(run);
        var next = Assert.Single(await _queue.ClaimAsync(1)); // at once, and the handed-back attempt is not counted
        Assert.Equal(1, next.Attempts);
    }

    [Fact]
    public async Task Finished_jobs_are_deleted_after_their_retention_and_pending_ones_never()
    {
        await _queue.EnqueueAsync(new JobRequest("done"));
        await _queue.EnqueueAsync(new JobRequest("later") { Delay = TimeSpan.FromDays(2) });
        await CompleteAsync(Assert.Single(await _queue.ClaimAsync(5)));
        _time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(1, await _queue.DeleteFinishedAsync((_time.GetUtcNow() - Options.Retention).ToUnixTimeMilliseconds()));
        Assert.Empty(await _queue.CountByStateAsync("done"));
        Assert.Equal(1, (await _queue.CountByStateAsync("later"))["queued"]);
    }

    private async Task<bool> CompleteAsync(ClaimedJob job, string? effect = null)
    {
        await using var write = await Database.BeginWriteAsync();
        if (effect is not null)
        {
            await write.Connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS test_effects (name TEXT)", transaction: write.Transaction);
            await write.Connection.ExecuteAsync("INSERT INTO test_effects (name) VALUES (@effect)", new { effect }, write.Transaction);
        }

        if (!await _queue.CompleteAsync(write, job))
        {
            return false; // disposed without commit: the effect rolls back
        }

        await write.CommitAsync();
        return true;
    }

    private async Task<List<string>> EffectsAsync()
    {
        await using var connection = await Database.OpenAsync();
        return [.. await connection.QueryAsync<string>("SELECT name FROM test_effects")];
    }

    private async Task<string> StateAsync(Guid id)
    {
        await using var connection = await Database.OpenAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT state FROM jobs WHERE id = @id", new { id }) ?? "";
    }
}

public sealed class SqliteJobQueueTests() : JobQueueContract(Sqlite(out _));

[Collection(PostgresCollection.Name)]
public sealed class PostgresJobQueueTests(Odin.Testing.PostgresServer postgres) : JobQueueContract(Postgres(postgres));
