using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Odin.Hosting.Tenants;

/// <summary>
/// Identity domains (tenants and peers): DNS names of RFC 1035 labels, at least two, compared in lower
/// case. A name that anything could read as an address is refused, because peer domains become outgoing
/// connections: no label may read as a number (decimal, octal or <c>0x</c> hex, as <c>inet_aton</c> and
/// URL parsers read them), and names reserved for local networks or special resolution are not domains.
/// </summary>
internal static class DomainName
{
    /// <summary>The longest domain DNS can carry (RFC 1035), without the trailing dot.</summary>
    public const int MaxLength = 253;

    /// <summary>The most labels a domain of <see cref="MaxLength"/> can have.</summary>
    public const int MaxLabels = 127;

    /// <summary>
    /// Top-level names that never reach an identity on the internet: loopback (RFC 6761), mDNS, private-use
    /// and name-collision names, reverse lookups, onion services.
    /// </summary>
    private static readonly HashSet<string> ReservedTopLevel = new(StringComparer.Ordinal)
    {
        "localhost", "local", "localdomain", "internal", "intranet", "lan", "home", "corp", "private", "arpa", "invalid", "onion",
    };

    /// <summary>Longest Host header worth reading: a domain, its trailing dot and a port.</summary>
    private const int MaxHostHeaderLength = MaxLength + 1 + 6;

    /// <summary>Longest domain value worth trimming: a domain with room for surrounding spaces and a trailing dot.</summary>
    private const int MaxUntrimmedLength = MaxLength + 8;

    public static bool TryNormalize(string? value, [NotNullWhen(true)] out string? domain, [NotNullWhen(false)] out string? reason)
    {
        domain = null;
        if (value is not null && value.Length > MaxUntrimmedLength)
        {
            // Refused before anything proportional to its length is allocated.
            reason = $"domain is longer than {MaxLength} characters.";
            return false;
        }

        var candidate = value?.Trim().TrimEnd('.').ToLowerInvariant();
        if (string.IsNullOrEmpty(candidate))
        {
            reason = "domain is required.";
            return false;
        }

        reason = Check(candidate);
        if (reason is not null)
        {
            return false;
        }

        domain = candidate;
        return true;
    }

    /// <summary>
    /// The identity domain a <c>Host</c> header names, without its port, lower case. False (with a reason)
    /// when the header is not a domain: too long, an IP literal, a bad label. The length is checked before
    /// anything else, so an oversized header costs nothing proportional to it.
    /// </summary>
    public static bool TryFromHostHeader(string? header, [NotNullWhen(true)] out string? domain, [NotNullWhen(false)] out string? reason)
    {
        domain = null;
        if (string.IsNullOrWhiteSpace(header))
        {
            reason = "The request has no Host header.";
            return false;
        }

        if (header.Length > MaxHostHeaderLength)
        {
            reason = $"The Host header is longer than a domain can be ({MaxLength} characters).";
            return false;
        }

        var value = header.Trim();
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (value.StartsWith('[') || (colon >= 0 && !IsPort(value.AsSpan(colon + 1))))
        {
            reason = "The Host header must name an identity's domain, not an address.";
            return false;
        }

        if (colon >= 0)
        {
            value = value[..colon];
        }

        var candidate = value.TrimEnd('.').ToLower(CultureInfo.InvariantCulture);
        var problem = candidate.Length == 0 ? "domain is required." : Check(candidate);
        if (problem is not null)
        {
            reason = $"The Host header is not an identity's domain: {problem}";
            return false;
        }

        domain = candidate;
        reason = null;
        return true;
    }

    /// <summary>The domain and its parent domains, nearest first, down to two labels.</summary>
    /// <remarks>At most <see cref="MaxLabels"/> names of at most <see cref="MaxLength"/> characters each.</remarks>
    public static List<string> WithParents(string domain)
    {
        var names = new List<string>();
        for (var name = domain; ; )
        {
            names.Add(name);
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0 || name.IndexOf('.', dot + 1) < 0)
            {
                return names;
            }

            name = name[(dot + 1)..];
        }
    }

    /// <summary>Null when <paramref name="name"/> (trimmed, lower case) is a domain; otherwise why not.</summary>
    private static string? Check(string name)
    {
        if (name.Length > MaxLength)
        {
            return $"domain is longer than {MaxLength} characters.";
        }

        var labels = name.Split('.');
        if (labels.Length < 2)
        {
            return "domain needs at least two labels, such as 'frodo.example'.";
        }

        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63)
            {
                return $"label '{label}' must be 1 to 63 characters long.";
            }

            if (label[0] == '-' || label[^1] == '-' || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"label '{label}' may hold only letters, digits and inner hyphens.";
            }

            if (ReadsAsNumber(label))
            {
                return $"label '{label}' reads as a number (an IP address is not a domain).";
            }

            if (label.StartsWith("xn--", StringComparison.Ordinal) && !IsPunycode(label))
            {
                return $"label '{label}' is not valid punycode.";
            }
        }

        return ReservedTopLevel.Contains(labels[^1])
            ? $"'.{labels[^1]}' names are reserved for local networks, not identities on the internet."
            : null;
    }

    /// <summary>Decimal, octal (leading 0) or hexadecimal (0x) digits: what inet_aton and URL parsers take as a number.</summary>
    private static bool ReadsAsNumber(string label) =>
        label.All(char.IsAsciiDigit)
        || (label.StartsWith("0x", StringComparison.Ordinal) && label.Skip(2).All(char.IsAsciiHexDigitLower));

    private static bool IsPunycode(string label)
    {
        try
        {
            // A new mapping per call: IdnMapping's instance members are not documented as thread-safe, and only
            // xn-- labels get here.
            _ = new IdnMapping { UseStd3AsciiRules = true }.GetUnicode(label);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsPort(ReadOnlySpan<char> port) =>
        port.Length is > 0 and <= 5 && !port.ContainsAnyExceptInRange('0', '9');
}
