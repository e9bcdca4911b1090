using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Odin.Hosting.Acme;

/// <summary>A certificate as the CA issued it: the PEM chain (leaf first) and its private key.</summary>
public sealed record IssuedCertificate(string ChainPem, byte[] PrivateKeyPkcs8, DateTimeOffset NotAfter);

/// <summary>
/// A small RFC 8555 client: account (JWS with ES256, nonces, <c>badNonce</c> retried), order, HTTP-01
/// authorization, finalization with a CSR, and the chain's download. Polling honours <c>Retry-After</c>; a
/// <c>rateLimited</c> problem becomes <see cref="AcmeRateLimitedException"/> with the time to come back.
/// </summary>
public sealed partial class AcmeClient(HttpClient http, Uri directoryUrl, AccountKey account, Http01Challenges challenges, AcmeOptions options,
    TimeProvider time, ILogger<AcmeClient> logger)
{
    private const int MaxBadNonceRetries = 10; // each costs one request; a CA may refuse several nonces in a row
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(500);
    private readonly SemaphoreSlim _accountGate = new(1, 1);
    private JsonElement _directory;
    private string? _nonce;
    private string? _accountUrl;
    private int _badNonceRetries;

    /// <summary>How many times a request was sent again because the CA refused its nonce.</summary>
    public int BadNonceRetries => Volatile.Read(ref _badNonceRetries);

    /// <summary>The account's URL (its <c>kid</c>), once registered.</summary>
    public string? AccountUrl => _accountUrl;

    public async Task<IssuedCertificate> IssueAsync(string domain, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.OrderTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var ct = linked.Token;
        await EnsureAccountAsync(ct);
        var created = await PostAsync(Endpoint("newOrder"), new { identifiers = new[] { new { type = "dns", value = domain } } }, ct);
        var orderUrl = created.Location ?? throw new AcmeException("malformed", "the new order has no Location", 0);
        LogOrdered(logger, domain, orderUrl);
        foreach (var authorization in created.Body.GetProperty("authorizations").EnumerateArray())
        {
            await AuthorizeAsync(authorization.GetString()!, ct);
        }

        var order = await PollAsync(orderUrl, status => status is not "pending", ct);
        ThrowUnless(order, "ready", $"the order for {domain}");

        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", certificateKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(domain);
        request.CertificateExtensions.Add(names.Build());
        await PostAsync(order.GetProperty("finalize").GetString()!, new { csr = Base64UrlEncoder.Encode(request.CreateSigningRequest()) }, ct);
        order = await PollAsync(orderUrl, status => status is "valid" or "invalid", ct);
        ThrowUnless(order, "valid", $"the order for {domain}");

        var chain = await PostAsync(order.GetProperty("certificate").GetString()!, null, ct, accept: "application/pem-certificate-chain");
        using var leaf = X509Certificate2.CreateFromPem(chain.Text);
        return new IssuedCertificate(chain.Text, certificateKey.ExportPkcs8PrivateKey(), leaf.NotAfter.ToUniversalTime());
    }

    private async Task EnsureAccountAsync(CancellationToken ct)
    {
        await _accountGate.WaitAsync(ct);
        try
        {
            if (_accountUrl is not null)
            {
                return;
            }

            using var directory = await http.GetAsync(directoryUrl, ct);
            directory.EnsureSuccessStatusCode();
            _directory = JsonDocument.Parse(await directory.Content.ReadAsStringAsync(ct)).RootElement.Clone();
            object payload = string.IsNullOrEmpty(options.ContactEmail)
                ? new { termsOfServiceAgreed = true }
                : new { termsOfServiceAgreed = true, contact = new[] { $"mailto:{options.ContactEmail}" } };
            var created = await PostAsync(Endpoint("newAccount"), payload, ct, useJwk: true);
            _accountUrl = created.Location ?? throw new AcmeException("malformed", "the account has no Location", 0);
        }
        finally
        {
            _accountGate.Release();
        }
    }

    private async Task AuthorizeAsync(string url, CancellationToken ct)
    {
        var authorization = (await PostAsync(url, null, ct)).Body;
        if (authorization.GetProperty("status").GetString() == "valid")
        {
            return; // the CA reused an earlier authorization
        }

        var challenge = authorization.GetProperty("challenges").EnumerateArray().FirstOrDefault(c => c.GetProperty("type").GetString() == "http-01");
        if (challenge.ValueKind != JsonValueKind.Object)
        {
            throw new AcmeException("unsupportedChallenge", $"the CA offers no http-01 challenge for {url}", 0);
        }

        var token = challenge.GetProperty("token").GetString()!;
        await challenges.SetAsync(token, $"{token}.{account.Thumbprint}", ct);
        try
        {
            await PostAsync(challenge.GetProperty("url").GetString()!, new { }, ct);
            authorization = await PollAsync(url, status => status is not "pending", ct);
            if (authorization.GetProperty("status").GetString() != "valid")
            {
                var error = authorization.GetProperty("challenges").EnumerateArray()
                    .Select(c => c.TryGetProperty("error", out var e) ? e : default).FirstOrDefault(e => e.ValueKind == JsonValueKind.Object);
                throw error.ValueKind == JsonValueKind.Object
                    ? new AcmeException(Text(error, "type"), Text(error, "detail"), error.TryGetProperty("status", out var s) ? s.GetInt32() : 0)
                    : new AcmeException("unauthorized", $"the authorization ended {authorization.GetProperty("status").GetString()}", 0);
            }
        }
        finally
        {
            await challenges.RemoveAsync(token);
        }
    }

    private async Task<JsonElement> PollAsync(string url, Func<string?, bool> done, CancellationToken ct)
    {
        while (true)
        {
            var response = await PostAsync(url, null, ct);
            if (done(response.Body.GetProperty("status").GetString()))
            {
                return response.Body;
            }

            await Task.Delay(response.RetryAfter ?? DefaultPoll, time, ct);
        }
    }

    /// <summary>A signed POST (POST-as-GET when <paramref name="payload"/> is null), sent again on <c>badNonce</c>.</summary>
    private async Task<AcmeResponse> PostAsync(string url, object? payload, CancellationToken ct, bool useJwk = false, string accept = "application/json")
    {
        for (var attempt = 0; ; attempt++)
        {
            var header = new Dictionary<string, object> { ["nonce"] = await TakeNonceAsync(ct), ["url"] = url };
            header[useJwk ? "jwk" : "kid"] = useJwk ? account.Jwk : _accountUrl!;
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(account.Sign(header, payload is null ? "" : JsonSerializer.Serialize(payload)), Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
            request.Headers.Accept.ParseAdd(accept);
            using var response = await http.SendAsync(request, ct);
            KeepNonce(response);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                var body = response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true && text.Length > 0
                    ? JsonDocument.Parse(text).RootElement.Clone()
                    : default;
                return new AcmeResponse(response.Headers.Location?.ToString(), body, text, RetryAfter(response));
            }

            var problem = ParseProblem(text, response.StatusCode);
            if (problem.Type == AcmeException.BadNonce && attempt < MaxBadNonceRetries)
            {
                Interlocked.Increment(ref _badNonceRetries);
                continue; // the refusal carried a fresh nonce
            }

            if (problem.Type == AcmeException.RateLimited)
            {
                var wait = RetryAfter(response) ?? TimeSpan.FromHours(1);
                throw new AcmeRateLimitedException(problem.Detail, problem.Status, time.GetUtcNow() + wait);
            }

            throw problem;
        }
    }

    private async Task<string> TakeNonceAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _nonce, null) is { } kept)
        {
            return kept;
        }

        using var request = new HttpRequestMessage(HttpMethod.Head, Endpoint("newNonce"));
        using var response = await http.SendAsync(request, ct);
        return response.Headers.TryGetValues("Replay-Nonce", out var values)
            ? values.First()
            : throw new AcmeException("badNonce", "the CA gave no nonce", (int)response.StatusCode);
    }

    private void KeepNonce(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("Replay-Nonce", out var values))
        {
            Volatile.Write(ref _nonce, values.First());
        }
    }

    private string Endpoint(string name) => _directory.GetProperty(name).GetString()!;

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private static AcmeException ParseProblem(string text, HttpStatusCode status)
    {
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            return new AcmeException(Text(problem, "type"), Text(problem, "detail"), (int)status);
        }
        catch (JsonException)
        {
            return new AcmeException("serverInternal", text.Length > 200 ? text[..200] : text, (int)status);
        }
    }

    private static void ThrowUnless(JsonElement order, string status, string what)
    {
        if (order.GetProperty("status").GetString() != status)
        {
            var error = order.TryGetProperty("error", out var e) ? $"{Text(e, "type")}: {Text(e, "detail")}" : "no error given";
            throw new AcmeException("orderNotReady", $"{what} is {order.GetProperty("status").GetString()}, not {status} ({error})", 0);
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private sealed record AcmeResponse(string? Location, JsonElement Body, string Text, TimeSpan? RetryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ordered a certificate for {Domain}: {Order}")]
    private static partial void LogOrdered(ILogger logger, string domain, string order);
}
