using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Odin.Hosting.Tenants;

/// <summary>Tenant domains: DNS names (RFC 1035 labels, at least two), compared in lower case.</summary>
internal static class DomainName
{
    public static bool TryNormalize(string? value, [NotNullWhen(true)] out string? domain, [NotNullWhen(false)] out string? reason)
    {
        domain = null;
        var candidate = value?.Trim().TrimEnd('.').ToLowerInvariant();
        if (string.IsNullOrEmpty(candidate))
        {
            reason = "domain is required.";
            return false;
        }

        if (candidate.Length > 253)
        {
            reason = "domain is longer than 253 characters.";
            return false;
        }

        var labels = candidate.Split('.');
        if (labels.Length < 2)
        {
            reason = "domain needs at least two labels, such as 'frodo.example'.";
            return false;
        }

        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63)
            {
                reason = $"label '{label}' must be 1 to 63 characters long.";
                return false;
            }

            if (label[0] == '-' || label[^1] == '-' || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                reason = $"label '{label}' may hold only letters, digits and inner hyphens.";
                return false;
            }
        }

        if (labels[^1].All(char.IsAsciiDigit))
        {
            reason = "domain must not end in a numeric label (an IP address is not a domain).";
            return false;
        }

        domain = candidate;
        reason = null;
        return true;
    }

    /// <summary>The host of a Host header without its port, lower case; null when unusable.</summary>
    public static string? FromHostHeader(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var value = host.Trim();
        if (value.StartsWith('['))
        {
            return null; // an IPv6 literal never names a tenant
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            value = value[..colon];
        }

        return value.TrimEnd('.').ToLower(CultureInfo.InvariantCulture);
    }
}
