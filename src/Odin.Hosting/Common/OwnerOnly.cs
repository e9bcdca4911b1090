namespace Odin.Hosting.Common;

/// <summary>
/// Files and folders only the user running Odin may read: secrets, and the single node's database and its
/// data folder. Created with that mode from the first byte (never created readable and narrowed afterwards),
/// and files an older install left wider are narrowed. An existing folder is left as it is: it may be one
/// the operator chose (<c>/var/lib</c>), where the files' own modes are what protects them.
/// </summary>
internal static class OwnerOnly
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the folder (and its parents) for owner-only files with mode 0700, unless it exists.</summary>
    public static void EnsureFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, FolderMode);
        }
    }

    /// <summary>Writes a new file (it must not exist) with mode 0600, in an owner-only folder.</summary>
    public static void CreateFile(string path, string contents)
    {
        EnsureFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        writer.Write(contents);
    }

    /// <summary>Creates an empty file with mode 0600 unless it exists; an existing one is narrowed to 0600.</summary>
    public static void EnsureFile(string path)
    {
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows())
            {
                Narrow(path, FileMode);
            }

            return;
        }

        CreateFile(path, "");
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Narrow(string path, UnixFileMode mode)
    {
        if ((File.GetUnixFileMode(path) & ~mode) != 0)
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
