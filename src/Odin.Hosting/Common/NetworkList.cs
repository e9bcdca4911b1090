using System.Net;

namespace Odin.Hosting.Common;

/// <summary>A setting that lists networks: comma-separated CIDR blocks such as <c>127.0.0.1/32, 10.0.0.0/8</c>.</summary>
internal static class NetworkList
{
    public static IReadOnlyList<IPNetwork> Parse(string? list) => [.. Blocks(list).Select(IPNetwork.Parse)];

    /// <summary>The blocks of <paramref name="list"/> that are not CIDR, for an options validator to name.</summary>
    public static IEnumerable<string> Invalid(string? list) => Blocks(list).Where(block => !IPNetwork.TryParse(block, out _));

    private static string[] Blocks(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
