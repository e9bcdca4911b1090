using Dapper;
using Odin.Hosting.Cluster;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;

namespace Odin.TestHost;

/// <summary>
/// A job whose every run is recorded in <c>job_runs</c> at once (a side effect outside the completion, as a
/// call to another system would be) and whose effect is recorded in <c>job_effects</c> with its completion.
/// Payload: how long the first attempt takes, so a test can kill its runner mid-run.
/// </summary>
public sealed class CountedJob(IDatabase database, InstanceIdentity instance) : IJobHandler
{
    public const string Type = "test.counted";

    public sealed record Payload(int FirstAttemptMilliseconds);

    /// <summary>Run once by the test before the instances start (concurrent CREATE TABLE IF NOT EXISTS races in PostgreSQL).</summary>
    public static async Task CreateTablesAsync(IDatabase database)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS job_runs (job_id TEXT NOT NULL, runner TEXT NOT NULL); CREATE TABLE IF NOT EXISTS job_effects (job_id TEXT NOT NULL, runner TEXT NOT NULL);");
    }

    public async Task RunAsync(JobContext job, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync("INSERT INTO job_runs (job_id, runner) VALUES (@Id, @runner)", new { job.Id, runner = instance.Name });
        }

        if (job.Attempt == 1 && job.PayloadAs<Payload>().FirstAttemptMilliseconds > 0)
        {
            await Task.Delay(job.PayloadAs<Payload>().FirstAttemptMilliseconds, cancellationToken);
        }

        job.OnComplete(write => write.Connection.ExecuteAsync(
            "INSERT INTO job_effects (job_id, runner) VALUES (@Id, @runner)", new { job.Id, runner = instance.Name }, write.Transaction));
    }
}
