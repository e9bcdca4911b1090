using Microsoft.Extensions.Options;
using Odin.Hosting.Acme;
using Odin.Hosting.Cluster.Locks;
using Odin.Hosting.Tenants;

namespace Odin.Hosting.Certificates;

/// <summary>
/// Gets each domain its certificate, once however many instances try: a domain that is due (none stored, or
/// expiring within <see cref="AcmeOptions.RenewBefore"/>) is renewed under the lock <c>cert:{domain}</c>, taken
/// without waiting (a holder is renewing it already), with the stored expiry read again inside the lock (a
/// holder that came second finds it renewed and orders nothing), and saved only while the lock holds, as a
/// compare-and-set on the expiry it read.
/// </summary>
public sealed partial class CertificateRenewal(
    CertificateStore store, ICertificateSource source, IDistributedLock locks, TenantStore tenants, IOptions<AcmeOptions> options, TimeProvider time,
    ILogger<CertificateRenewal> logger)
{
    private DateTimeOffset _rateLimitedUntil;
    private int _rounds;

    /// <summary>Rounds this instance has finished (for tests and the logs).</summary>
    public int Rounds => Volatile.Read(ref _rounds);

    /// <summary>
    /// Renews every identity's certificate that is due; returns how many this instance renewed. After the CA
    /// answered <c>rateLimited</c>, rounds do nothing until its <c>Retry-After</c> has passed.
    /// </summary>
    public async Task<int> RenewDueAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await RenewRoundAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _rounds);
        }
    }

    private async Task<int> RenewRoundAsync(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() < _rateLimitedUntil)
        {
            return 0;
        }

        var renewed = 0;
        foreach (var tenant in (await tenants.ListAsync(cancellationToken)).Where(t => !t.Disabled))
        {
            try
            {
                renewed += await RenewIfDueAsync(tenant.Domain, cancellationToken) ? 1 : 0;
            }
            catch (AcmeRateLimitedException ex)
            {
                _rateLimitedUntil = ex.RetryAfter;
                LogRateLimited(logger, tenant.Domain, ex.RetryAfter);
                break; // the CA said stop: the next round comes back later
            }
            catch (Exception ex) when (ex is AcmeException or HttpRequestException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogFailed(logger, tenant.Domain, ex.Message); // the next round tries again
            }
        }

        return renewed;
    }

    /// <summary>True when this call stored a new certificate for <paramref name="domain"/>.</summary>
    public async Task<bool> RenewIfDueAsync(string domain, CancellationToken cancellationToken = default)
    {
        if (!IsDue(await store.NotAfterAsync(domain, cancellationToken)))
        {
            return false;
        }

        await using var held = await locks.TryAcquireAsync($"cert:{domain}", TimeSpan.Zero, cancellationToken);
        if (held is null)
        {
            return false; // another instance is renewing it
        }

        var seen = await store.NotAfterAsync(domain, cancellationToken);
        if (!IsDue(seen))
        {
            return false; // renewed while this instance waited for the lock
        }

        var issued = await source.IssueAsync(domain, cancellationToken);
        if (!held.IsHeld)
        {
            LogLockLost(logger, domain);
            return false;
        }

        var saved = await store.SaveAsync(domain, issued, source.Issuer, seen, cancellationToken);
        if (saved)
        {
            LogRenewed(logger, domain, issued.NotAfter, source.Issuer);
        }

        return saved;
    }

    private bool IsDue(long? notAfter) =>
        notAfter is null || DateTimeOffset.FromUnixTimeMilliseconds(notAfter.Value) - options.Value.RenewBefore <= time.GetUtcNow();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored a new certificate for {Domain} (expires {NotAfter:u}, {Issuer})")]
    private static partial void LogRenewed(ILogger logger, string domain, DateTimeOffset notAfter, string issuer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The certificate authority rate-limits us (at {Domain}); renewal resumes after {RetryAfter:u}")]
    private static partial void LogRateLimited(ILogger logger, string domain, DateTimeOffset retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the certificate of {Domain} failed: {Reason}; the next round tries again")]
    private static partial void LogFailed(ILogger logger, string domain, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The renewal lock of {Domain} was lost during the order; not storing the certificate")]
    private static partial void LogLockLost(ILogger logger, string domain);
}
