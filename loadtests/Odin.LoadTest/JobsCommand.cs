using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;

namespace Odin.LoadTest;

/// <summary>
/// <c>jobs</c>: job claim throughput on PostgreSQL with 1 runner and with 3, side by side in alternating rounds.
/// Each runner has its own connection pool, as an instance has, and <c>--workers</c> workers that do what
/// <c>JobRunner</c> does per job: claim one (FOR UPDATE SKIP LOCKED), then complete it under its claim.
/// </summary>
public static class JobsCommand
{
    public const string Usage = "jobs --postgres \"Host=...;Database=<an empty database>\" [--jobs 3000] [--rounds 3] [--workers 4]";

    private const string Type = "bench.noop";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var connectionString = args.Required("postgres");
        var jobs = int.Parse(args.Optional("jobs", "3000"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(args.Optional("rounds", "3"), CultureInfo.InvariantCulture);
        var workers = int.Parse(args.Optional("workers", "4"), CultureInfo.InvariantCulture);
        var options = new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString };
        var setup = StorageComposition.Create(options);
        await new Migrator(setup, NullLogger<Migrator>.Instance).ApplyAsync(cancellationToken);

        var rates = new Dictionary<int, List<double>> { [1] = [], [3] = [] };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var runners in new[] { 1, 3 })
            {
                var rate = await MeasureAsync(setup, options, runners, workers, jobs, cancellationToken);
                rates[runners].Add(rate);
                Console.WriteLine($"round {round + 1}: {runners} runner(s) x {workers} workers: {rate:F0} jobs/s");
            }
        }

        var (one, three) = (Statistics.Median(rates[1]), Statistics.Median(rates[3]));
        Console.WriteLine($"median: 1 runner {one:F0} jobs/s, 3 runners {three:F0} jobs/s; 3 / 1 = {three / one:F2}");
        return 0;
    }

    private static async Task<double> MeasureAsync(IDatabase setup, DatabaseOptions options, int runners, int workers, int jobs, CancellationToken cancellationToken)
    {
        var seed = Queue(setup);
        await using (var write = await setup.BeginWriteAsync(cancellationToken))
        {
            await Dapper.SqlMapper.ExecuteAsync(write.Connection, "DELETE FROM jobs", transaction: write.Transaction);
            for (var i = 0; i < jobs; i++)
            {
                await seed.EnqueueAsync(write, new JobRequest(Type));
            }

            await write.CommitAsync(cancellationToken);
        }

        var databases = Enumerable.Range(0, runners).Select(_ => StorageComposition.Create(options)).ToList();
        var watch = Stopwatch.StartNew();
        var done = await Task.WhenAll(databases.SelectMany(database => Enumerable.Range(0, workers).Select(_ => WorkAsync(database, cancellationToken))));
        watch.Stop();
        foreach (var database in databases)
        {
            await ((IAsyncDisposable)database).DisposeAsync();
        }

        return done.Sum() != jobs
            ? throw new InvalidOperationException($"{done.Sum()} jobs completed, expected {jobs}: a job ran twice or not at all")
            : jobs / watch.Elapsed.TotalSeconds;
    }

    private static async Task<int> WorkAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var queue = Queue(database);
        var completed = 0;
        while ((await queue.ClaimAsync(1, cancellationToken)) is [var job])
        {
            await using var write = await database.BeginWriteAsync(cancellationToken);
            if (await queue.CompleteAsync(write, job))
            {
                await write.CommitAsync(cancellationToken);
                completed++;
            }
        }

        return completed;
    }

    private static JobQueue Queue(IDatabase database) =>
        new(database, new JobSignal(), new InstanceIdentity(), Options.Create(new JobOptions()), TimeProvider.System);
}
