using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Odin.Testing;

namespace Odin.Hosting.Tests.Api;

/// <summary>
/// <c>/openapi/v1.json</c> says what docs/api.md says: it passes Redocly's recommended rules (tests/openapi, from
/// npm with a lock file), and every endpoint row of docs/api.md is an operation of the document with each status
/// the row names, while every operation of the document is described in docs/api.md or docs/operations.md.
/// </summary>
[Collection(SingleNodeCollection.Name)]
public sealed partial class OpenApiTests(SingleNodeHost node)
{
    [Fact]
    public async Task The_document_passes_redoclys_recommended_rules()
    {
        var file = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await node.Api.Http.GetStringAsync("/openapi/v1.json"));
        try
        {
            var lint = new ProcessStartInfo("npx", ["--no-install", "redocly", "lint", file, "--format=stylish"])
            {
                WorkingDirectory = RepositoryPaths.InRepository("tests", "openapi"),
            };
            lint.Environment["NO_COLOR"] = "1";
            lint.Environment["REDOCLY_TELEMETRY"] = "off";
            lint.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            var (exit, output) = await ChildProcess.RunCapturedAsync(lint, TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, $"redocly lint (tests/openapi: npm ci first):\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Every_documented_endpoint_and_status_is_in_the_document_and_every_operation_is_documented()
    {
        using var document = JsonDocument.Parse(await node.Api.Http.GetStringAsync("/openapi/v1.json"));
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Key: $"{op.Name.ToUpperInvariant()} {path.Name}",
                Statuses: op.Value.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet())))
            .ToDictionary(o => o.Key, o => o.Statuses);

        // An escaped pipe inside a cell is not a column boundary.
        var api = (await File.ReadAllTextAsync(RepositoryPaths.InRepository("docs", "api.md"))).Replace("\\|", "¦", StringComparison.Ordinal);
        var operationsDoc = await File.ReadAllTextAsync(RepositoryPaths.InRepository("docs", "operations.md"));
        var rows = TableRow().Matches(api);
        Assert.Equal(AnyEndpointRow().Count(api), rows.Count); // every endpoint row was read
        foreach (Match row in rows)
        {
            var key = $"{row.Groups["method"].Value} {row.Groups["path"].Value}";
            Assert.True(operations.TryGetValue(key, out var statuses), $"docs/api.md lists {key}; the document does not");
            var named = new[] { row.Groups["success"].Value, row.Groups["errors"].Value }.SelectMany(column => Status().Matches(column.Trim()).Select(m => m.Groups["status"].Value));
            foreach (var status in named)
            {
                Assert.True(statuses.Contains(status), $"docs/api.md says {key} answers {status}; the document lists {string.Join(", ", statuses)}");
            }
        }

        foreach (var key in operations.Keys)
        {
            Assert.True(api.Contains($"`{key}", StringComparison.Ordinal) || operationsDoc.Contains($"`{key}", StringComparison.Ordinal),
                $"the document has {key}; docs/api.md (or operations.md) does not describe it");
        }
    }

    [GeneratedRegex(@"^\| `(?<method>GET|POST|PUT|DELETE) (?<path>/[^ `?]+)[^|]*\| (?<success>[^|]*)\| (?<errors>[^|]*)\|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^\| `(GET|POST|PUT|DELETE) /", RegexOptions.Multiline)]
    private static partial Regex AnyEndpointRow();

    /// <summary>A status as the tables name one: at the start of a column or of an item in it (", 404 ...", "; 403 ...").</summary>
    [GeneratedRegex(@"(?:^|[,;]\s*)(?<status>[2-5]\d\d)\b")]
    private static partial Regex Status();
}
