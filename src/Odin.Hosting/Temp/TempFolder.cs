using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;

namespace Odin.Hosting.Temp;

/// <summary>This instance's staging folder: <c>{Root}/{instance name}</c>.</summary>
public sealed class TempFolder(IOptions<TempFolderOptions> options, InstanceIdentity instance)
{
    public string Root { get; } = Path.GetFullPath(options.Value.Root);

    public string InstanceFolder => Path.Combine(Root, instance.Name);

    /// <summary>
    /// Copies <paramref name="source"/> into a new staging file, refusing (null) past <paramref name="maxBytes"/>.
    /// The file is deleted when the returned <see cref="StagedFile"/> is disposed; a crash leaves it for the sweep.
    /// </summary>
    public async Task<StagedFile?> StageAsync(Stream source, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(InstanceFolder);
        var stream = new FileStream(
            Path.Combine(InstanceFolder, $"{Guid.NewGuid():N}.part"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (stream.Length + read > maxBytes)
                {
                    await stream.DisposeAsync();
                    return null;
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            stream.Position = 0;
            return new StagedFile(stream);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }
}

/// <summary>A staged upload; deleted on dispose.</summary>
public sealed class StagedFile(FileStream stream) : IAsyncDisposable
{
    public long Length => stream.Length;

    public async Task<byte[]> ReadAllAsync(CancellationToken cancellationToken)
    {
        var bytes = new byte[stream.Length];
        stream.Position = 0;
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return bytes;
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
