namespace Odin.Testing;

/// <summary>A token that should never pass: still well-formed, but its signature's last characters changed.</summary>
public static class TamperedToken
{
    public static string Of(string token) => token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
}
