using Odin.ClusterPrimitives;

namespace Odin.Hosting.Files;

public static class FilesComposition
{
    /// <summary>The files of the drives, and their size limits (Kestrel's request body limit follows the file limit).</summary>
    public static WebApplicationBuilder AddFiles(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FileStore>();
        var options = builder.Services.AddValidatedOptions<FileOptions>(builder.Configuration, FileOptions.Section);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        return builder;
    }
}
