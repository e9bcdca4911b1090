using Odin.Hosting.Caching;

namespace Odin.Hosting.Acme;

/// <summary>
/// HTTP-01 answers, kept in the cache every instance reads (in a cluster its Redis level), so whichever
/// instance the certificate authority reaches answers <c>/.well-known/acme-challenge/{token}</c>.
/// </summary>
public sealed class Http01Challenges(Level1Cache cache)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public ValueTask SetAsync(string token, string keyAuthorization, CancellationToken cancellationToken) =>
        cache.SetForAsync(Key(token), keyAuthorization, Lifetime, cancellationToken);

    public ValueTask RemoveAsync(string token) => cache.RemoveAsync(Key(token));

    public ValueTask<string?> FindAsync(string token, CancellationToken cancellationToken) => cache.TryGetAsync<string>(Key(token), cancellationToken);

    private static string Key(string token) => $"acme-http01:{token}";
}
