namespace Odin.Hosting.OpenApi;

/// <summary>
/// <c>/openapi/v1.json</c> as docs/api.md describes the API: every status and error shape, auth per operation,
/// operation ids, <c>If-Match</c>, optional members marked optional. Most of it is read from the metadata the
/// endpoints already carry (who may call, tenant host, rate limits, If-Match); each endpoint adds its own answers.
/// </summary>
public static class OpenApiComposition
{
    public static IServiceCollection AddOdinOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<DocumentDescription>();
            options.AddOperationTransformer<OperationDescription>();
            options.AddSchemaTransformer<OptionalMembers>();
        });
}
