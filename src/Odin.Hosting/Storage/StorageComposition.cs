using Microsoft.Extensions.Options;
using Npgsql;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Observability;

namespace Odin.Hosting.Storage;

public static class StorageComposition
{
    /// <summary>
    /// Registers <see cref="IDatabase"/> for the configured provider, the start-up work (migrations, the registry's first
    /// load) and the database's readiness check.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = services.AddValidatedOptions<DatabaseOptions>(configuration, DatabaseOptions.Section);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new StartupConfigurationException("Odin__Database__ConnectionString is empty.");
        }

        services.AddSingleton<IDatabase>(_ => Create(options));
        services.AddSingleton<Migrator>();
        services.AddSingleton<StartupTasks>();
        services.AddHealthChecks().AddCheck<DatabaseReadinessCheck>("database", tags: [HealthTags.Ready]);
        return services;
    }

    /// <summary>
    /// Odin keeps no session state on a connection (its settings are <c>SET LOCAL</c>, its locks transaction-scoped, or
    /// released by the one that took them), so a connection going back to the pool is not reset: Npgsql's
    /// <c>DISCARD ALL</c> would otherwise be one more statement, and one more transaction, per use. An operator who sets
    /// <c>No Reset On Close</c> keeps their choice.
    /// </summary>
    private static string Pooled(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>Opens the configured database (and teaches Dapper the GUID-as-text convention every store relies on).</summary>
    public static IDatabase Create(DatabaseOptions options)
    {
        GuidAsTextHandler.Register();
        try
        {
            return options.Provider switch
            {
                DatabaseProvider.Postgres => new PostgresDatabase(NpgsqlDataSource.Create(Pooled(options.ConnectionString))),
                _ => new SqliteDatabase(options.ConnectionString),
            };
        }
        catch (ArgumentException ex)
        {
            throw new StartupConfigurationException($"Odin__Database__ConnectionString is not a valid {options.Provider} connection string: {ex.Message}");
        }
    }
}
