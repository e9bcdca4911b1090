using System.ComponentModel.DataAnnotations;

namespace Odin.Hosting.Files;

/// <summary>Configuration section <c>Odin:Files</c>.</summary>
public sealed class FileOptions
{
    public const string Section = "Odin:Files";

    /// <summary>Largest file content accepted, in bytes (after base64 decoding). Default 1 MiB; larger ⇒ 413.</summary>
    [Range(1, 512 * 1024 * 1024)]
    public int MaxContentBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest metadata document accepted, in bytes of JSON. Default 64 KiB; larger ⇒ 413.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxMetadataBytes { get; set; } = 64 * 1024;

    /// <summary>The request body limit these imply: base64 content, metadata, and room for the JSON around them.</summary>
    public long MaxRequestBodyBytes => ((MaxContentBytes + 2L) / 3 * 4) + MaxMetadataBytes + 4096;
}
