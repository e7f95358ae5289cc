using System.ComponentModel.DataAnnotations;

namespace Scheduling.Web.Data;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}

/// <summary>Bound from the <c>Database</c> section; the connection string is <c>ConnectionStrings:Scheduling</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";
    public const string ConnectionStringName = "Scheduling";
    public const string DefaultSqliteConnectionString = "Data Source=data/scheduling.db";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply migrations at start-up. Always on for SQLite (the embedded default).</summary>
    public bool MigrateOnStartup { get; set; }

    [Required]
    public string ConnectionString { get; set; } = "";

    public bool ShouldMigrateOnStartup => Provider == DatabaseProvider.Sqlite || MigrateOnStartup;

    /// <summary>
    /// Reads and checks the settings while services are being registered (the provider decides which
    /// services exist), so a bad value stops start-up with a message that names the setting.
    /// </summary>
    public static DatabaseOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = new DatabaseOptions();
        var providerText = section["Provider"];
        if (!string.IsNullOrWhiteSpace(providerText))
        {
            if (!Enum.TryParse<DatabaseProvider>(providerText, ignoreCase: true, out var provider) || !Enum.IsDefined(provider) || int.TryParse(providerText, out _))
            {
                throw new InvalidOperationException(
                    $"Setting 'Database:Provider' has the value '{providerText}'; expected one of Sqlite, SqlServer, PostgreSql.");
            }
            options.Provider = provider;
        }

        var migrateText = section["MigrateOnStartup"];
        if (!string.IsNullOrWhiteSpace(migrateText))
        {
            if (!bool.TryParse(migrateText, out var migrate))
            {
                throw new InvalidOperationException($"Setting 'Database:MigrateOnStartup' has the value '{migrateText}'; expected true or false.");
            }
            options.MigrateOnStartup = migrate;
        }

        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (options.Provider != DatabaseProvider.Sqlite)
            {
                throw new InvalidOperationException(
                    $"Setting 'ConnectionStrings:{ConnectionStringName}' is required when 'Database:Provider' is {options.Provider}.");
            }
            connectionString = DefaultSqliteConnectionString;
        }
        options.ConnectionString = connectionString;
        return options;
    }

    internal static string DesignTimeConnectionString(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.SqlServer => "Server=localhost;Database=Scheduling;Trusted_Connection=True;TrustServerCertificate=True",
        DatabaseProvider.PostgreSql => "Host=localhost;Database=scheduling;Username=postgres",
        _ => "Data Source=design-time.db",
    };
}
