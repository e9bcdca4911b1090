using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Odin.Hosting.OpenApi;

/// <summary>The document's own parts: what it is, the bearer schemes, the error shape, the tags.</summary>
internal sealed class DocumentDescription : IOpenApiDocumentTransformer
{
    public const string Admin = "adminKey";
    public const string Owner = "ownerToken";
    public const string Device = "deviceToken";
    public const string Problem = "Problem";

    private static readonly Dictionary<string, string> Tags = new()
    {
        ["Admin"] = "The operator's endpoints: identities (admin key).",
        ["Drives"] = "An identity's drives (owner token).",
        ["Devices"] = "Devices, their permissions and their access tokens.",
        ["Files"] = "Files in drives, with version tags, and the changes a device re-reads after a gap.",
        ["Peer transfer"] = "Files sent between identities, on this server or another Odin's.",
        ["Security"] = "The identity's security health check.",
        ["Keys"] = "The identity's public signing key.",
        ["Auth"] = "The public keys that verify device tokens.",
        ["Certificates"] = "ACME HTTP-01 answers.",
        ["Health"] = "Where the leader-only work runs.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Odin HTTP API",
            Version = "1",
            Description = "Odin.Hosting's API. The identity is chosen by the Host header (see docs/api.md). Every error is an RFC 7807 problem.",
        };
        document.Servers = [new OpenApiServer { Url = "/", Description = "this server (the identity is chosen by the Host header)" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [Admin] = Bearer("The operator's admin key (Odin__Admin__ApiKey).", null),
            [Owner] = Bearer("An owner token of the identity named by the Host header.", null),
            [Device] = Bearer("A device access token from POST /api/v1/device/token.", "JWT"),
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[Problem] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 7807 problem details",
            Required = new HashSet<string> { "type", "title", "status", "detail" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "what was wrong, in words" },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
            },
        };
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        return Task.CompletedTask;
    }

    private static OpenApiSecurityScheme Bearer(string description, string? format) =>
        new() { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = format, Description = description };
}
