using Microsoft.Extensions.Options;
using Odin.ClusterPrimitives.Redis;
using Odin.Hosting.Storage;
using StackExchange.Redis;
using IDatabase = Odin.Hosting.Storage.IDatabase;

namespace Odin.Hosting.Cluster;

/// <summary>
/// A Redis lease: <c>SET key value NX PX lease</c> to take it, a compare-and-extend script to renew it every
/// third of the lease, a compare-and-delete to release it on shutdown. Each new term takes a fencing token
/// from <c>INCR</c>, so tokens only grow. A renewal that fails or finds another holder ends the term at once;
/// an instance that dies is replaced within one lease period.
/// </summary>
public sealed partial class RedisLeaderElection(
    IConnectionMultiplexer redis, RedisNames names, InstanceIdentity instance, IDatabase storage, IOptions<LeaderOptions> options, TimeProvider time, ILogger<RedisLeaderElection> logger)
    : BackgroundService, ILeaderElection
{
    private const string RenewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private Term? _term;

    public LeaderTerm? Current => Volatile.Read(ref _term)?.Public;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = options.Value.Lease;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (Volatile.Read(ref _term) is not { } term)
                {
                    await TryAcquireAsync(lease);
                }
                else if (!await RenewAsync(term, lease))
                {
                    EndTerm("the lease was lost");
                }
            }
            catch (Exception ex) when (RedisFailures.Is(ex) || ex is System.Data.Common.DbException)
            {
                // Cannot tell whether the lease still holds (or cannot fence): stop leading rather than risk two
                // leaders. A lease taken but not yet used simply expires.
                EndTerm($"Redis or the database did not answer ({ex.Message})");
            }

            try
            {
                await Task.Delay(lease / 3, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (Volatile.Read(ref _term) is { } last)
        {
            EndTerm("shutting down");
            try
            {
                await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [names.LeaderLease], [last.Value]);
            }
            catch (Exception ex) when (RedisFailures.Is(ex))
            {
                // it expires by itself
            }
        }
    }

    private async Task TryAcquireAsync(TimeSpan lease)
    {
        var database = redis.GetDatabase();
        var value = $"{instance.Name}:{Guid.NewGuid():N}";
        if (!await database.StringSetAsync(names.LeaderLease, value, lease, When.NotExists))
        {
            return;
        }

        // Taken after winning the lease, so each term's token is larger than every earlier term's. A Redis that
        // lost its data restarts the counter: raise it above the newest term the database has seen, or every
        // fenced write of this term would be refused. (Only the lease holder moves the counter this way.)
        var token = await database.StringIncrementAsync(names.LeaderFence);
        var floor = await LeaderFence.NewestAsync(storage);
        if (token <= floor)
        {
            token = await database.StringIncrementAsync(names.LeaderFence, floor + 1 - token);
        }

        var cancellation = new CancellationTokenSource();
        Volatile.Write(ref _term, new Term(value, new LeaderTerm(token, cancellation.Token), cancellation));
        LogLeading(logger, instance.Name, token);
    }

    private async Task<bool> RenewAsync(Term term, TimeSpan lease) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(RenewScript, [names.LeaderLease], [term.Value, (long)lease.TotalMilliseconds]) == 1;

    private void EndTerm(string reason)
    {
        if (Interlocked.Exchange(ref _term, null) is { } ended)
        {
            ended.Cancellation.Cancel();
            ended.Cancellation.Dispose();
            LogStepDown(logger, ended.Public.FencingToken, reason);
        }
    }

    private sealed record Term(string Value, LeaderTerm Public, CancellationTokenSource Cancellation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {Instance} leads with fencing token {Token}")]
    private static partial void LogLeading(ILogger logger, string instance, long token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leadership with fencing token {Token} ended: {Reason}")]
    private static partial void LogStepDown(ILogger logger, long token, string reason);
}
