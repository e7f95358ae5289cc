using Npgsql;
using Scheduling.Web.Data;

namespace Scheduling.Web.Tests.Data;

/// <summary>
/// The app's PostgreSQL connections skip the per-use session reset and prepare repeated statements, unless the connection
/// string decides.
/// </summary>
public class PostgresConnectionsTests
{
    [Fact]
    public void Tune_TurnsTheResetOff_PreparesStatements_KeepsTheRest()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnections.Tune("Host=db.internal;Port=5433;Username=app;Database=scheduling;Maximum Pool Size=80"));
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal((64, 2), (tuned.MaxAutoPrepare, tuned.AutoPrepareMinUsages));
        Assert.Equal(("db.internal", 5433, "scheduling", 80), (tuned.Host, tuned.Port, tuned.Database, tuned.MaxPoolSize));
    }

    [Fact]
    public void Tune_LeavesAnExplicitChoiceAlone()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnections.Tune("Host=db;No Reset On Close=false;Max Auto Prepare=0"));
        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.False(new NpgsqlConnectionStringBuilder(PostgresConnections.Tune("Host=db;NoResetOnClose=false")).NoResetOnClose);
        Assert.Equal(20, new NpgsqlConnectionStringBuilder(PostgresConnections.Tune("Host=db;MaxAutoPrepare=20")).MaxAutoPrepare);
    }
}
