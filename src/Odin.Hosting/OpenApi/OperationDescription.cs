using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Odin.Hosting.Auth;
using Odin.Hosting.Edge;

namespace Odin.Hosting.OpenApi;

/// <summary>
/// Each operation as the API behaves: an operation id, its bearer scheme (or none), and the refusals its metadata
/// implies — a tenant host (400 not a domain, 404 no identity, 403 disabled), a caller check (401, 403), a rate
/// limit (429), If-Match (400, 412, 428), a body (400) — beside the answers the endpoint declares itself.
/// </summary>
internal sealed class OperationDescription : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var api = context.Description;
        var metadata = api.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        operation.OperationId ??= OperationId(api.HttpMethod ?? "", api.RelativePath ?? "");

        var access = metadata.OfType<Access>().LastOrDefault();
        operation.Security = access is null ? [] : [.. access.Allowed.Select(caller => Requirement(caller, document))];

        operation.Responses ??= [];
        void Refusal(int status, string why)
        {
            var key = status.ToString(CultureInfo.InvariantCulture);
            if (!operation.Responses.TryGetValue(key, out var declared) || declared is OpenApiResponse { Content: null or { Count: 0 } })
            {
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = why,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(DocumentDescription.Problem, document) },
                    },
                };
            }
        }

        if (operation.RequestBody is not null)
        {
            Refusal(400, "The body is malformed or a value is invalid (the detail says which).");
        }

        if (metadata.OfType<TenantHost>().Any())
        {
            Refusal(400, "The request is invalid: the Host header is not a domain, or (with a body) a value is wrong.");
            Refusal(404, "No identity is served at this host (or, where the endpoint names one, no such resource).");
            Refusal(403, "The identity is disabled, or the caller may not do this.");
        }

        if (access is not null)
        {
            Refusal(401, "No credentials, or credentials that are not valid for this identity.");
            Refusal(403, "Valid credentials without the permission this needs.");
        }

        if (metadata.OfType<RateLimited>().Any())
        {
            Refusal(429, "Too many calls of this kind from this address or to this identity: wait Retry-After seconds.");
        }

        if (metadata.OfType<IfMatch>().LastOrDefault() is { } ifMatch)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Required = ifMatch.Required,
                Description = ifMatch.Required
                    ? "The file's current version tag, quoted (\"abc123\")."
                    : "The file's current version tag, quoted, to replace it; absent: create only.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            Refusal(400, "If-Match is not one quoted version tag (or the body is invalid).");
            Refusal(412, "The version tag is stale, or the file exists and no tag was given: read the file again.");
            if (ifMatch.Required)
            {
                Refusal(428, "If-Match is required.");
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiSecurityRequirement Requirement(CallerKind caller, OpenApiDocument document) => new()
    {
        [new OpenApiSecuritySchemeReference(caller switch
        {
            CallerKind.Admin => DocumentDescription.Admin,
            CallerKind.Owner => DocumentDescription.Owner,
            _ => DocumentDescription.Device,
        }, document)] = [],
    };

    /// <summary><c>PUT api/v1/drives/{driveId}/files/{fileId}</c> → <c>putDrivesDriveIdFilesFileId</c>: unique, as method and route are.</summary>
    private static string OperationId(string method, string route)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in route.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s is not ("api" or "v1")))
        {
            foreach (var word in segment.Trim('{', '}').Split(':')[0].Split('-', '.', '_'))
            {
                if (word.Length > 0)
                {
                    id.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
                }
            }
        }

        return id.ToString();
    }
}
