using Npgsql;
using Scheduling.Web.Data;

namespace Scheduling.Web.Tests.Data;

/// <summary>The app's PostgreSQL connections skip the per-use session reset unless the connection string decides.</summary>
public class PostgresConnectionsTests
{
    [Fact]
    public void Tune_TurnsTheResetOff_KeepsTheRest_AndLeavesAnExplicitChoiceAlone()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnections.Tune("Host=db.internal;Port=5433;Username=app;Database=scheduling;Maximum Pool Size=80"));
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(("db.internal", 5433, "scheduling", 80), (tuned.Host, tuned.Port, tuned.Database, tuned.MaxPoolSize));

        Assert.False(new NpgsqlConnectionStringBuilder(PostgresConnections.Tune("Host=db;No Reset On Close=false")).NoResetOnClose);
        Assert.Equal("Host=db;NoResetOnClose=false", PostgresConnections.Tune("Host=db;NoResetOnClose=false"));
    }
}
