using System.Diagnostics;
using Npgsql;
using Xunit;

namespace Odin.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster: <c>initdb</c> into a temp folder (password authentication, SCRAM), the server on a free
/// loopback port as a child process, stopped by its own PID. As root it runs as the <c>postgres</c> user,
/// as PostgreSQL requires. Each test asks for a fresh database with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"odin-pg-{Guid.NewGuid():N}");
    private Process? _process;

    public int Port { get; } = FreePort.Next();

    public string Password { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public async Task InitializeAsync()
    {
        var bin = ServerBinaries.PostgresBin();
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(_folder);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await ChildProcess.RunAsync("chown", "postgres:postgres", _folder);
        }

        var passwordFile = Path.Combine(_folder, "password");
        await File.WriteAllTextAsync(passwordFile, Password);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (asRoot)
        {
            await ChildProcess.RunAsync("chown", "postgres:postgres", passwordFile);
        }

        await RunAsPostgres(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-A", "scram-sha-256", "--pwfile", passwordFile, "-U", "postgres", "-E", "UTF8", "--no-sync");
        File.Delete(passwordFile);
        string[] server =
        [
            Path.Combine(bin, "postgres"), "-D", data, "-p", Port.ToString(), "-k", _folder,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "max_connections=500", "-c", "shared_buffers=64MB",
        ];
        _process = asRoot
            ? ChildProcess.Start("runuser", Path.Combine(_folder, "postgres.log"), ["-u", "postgres", "--", .. server])
            : ChildProcess.Start(server[0], Path.Combine(_folder, "postgres.log"), server[1..]);
        await Eventually.TrueAsync(CanConnectAsync, $"PostgreSQL on port {Port} to accept connections (log: {_folder}/postgres.log)", TimeSpan.FromSeconds(60));
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"odin_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>What an operator's backup is: <c>pg_dump</c> of one database, custom format, into <paramref name="file"/>.</summary>
    public Task BackupAsync(string connectionString, string file) =>
        RunClientAsync("pg_dump", "--format=custom", $"--file={file}", DatabaseOf(connectionString));

    /// <summary>Restores <paramref name="file"/> over the database (<c>pg_restore --clean</c>: its tables are replaced by the backup's).</summary>
    public Task RestoreAsync(string connectionString, string file) =>
        RunClientAsync("pg_restore", "--clean", "--if-exists", "--single-transaction", $"--dbname={DatabaseOf(connectionString)}", file);

    private static string DatabaseOf(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;

    private async Task RunClientAsync(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(ServerBinaries.PostgresBin(), program),
            ["--host=127.0.0.1", $"--port={Port}", "--username=postgres", "--no-password", .. args]) { Environment = { ["PGPASSWORD"] = Password } };
        var (exit, output) = await ChildProcess.RunCapturedAsync(start, TimeSpan.FromMinutes(2));
        if (exit != 0)
        {
            throw new InvalidOperationException($"{program} exited {exit}: {output}");
        }
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database={database};Maximum Pool Size=60;Timeout=30";

    public Task DisposeAsync()
    {
        ChildProcess.Kill(_process);
        _process?.Dispose();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private static Task<string> RunAsPostgres(bool asRoot, string file, params string[] args) =>
        asRoot ? ChildProcess.RunAsync("runuser", ["-u", "postgres", "--", file, .. args]) : ChildProcess.RunAsync(file, args);

    private async Task<bool> CanConnectAsync()
    {
        if (_process is { HasExited: true })
        {
            throw new InvalidOperationException($"PostgreSQL exited: {await File.ReadAllTextAsync(Path.Combine(_folder, "postgres.log"))}");
        }

        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }
}
