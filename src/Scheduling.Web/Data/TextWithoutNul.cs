using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Scheduling.Web.Api;

namespace Scheduling.Web.Data;

/// <summary>
/// On PostgreSQL, whose text cannot store a NUL character, refuses to save text holding one as a 400 naming the
/// property, before the database fails the save (a 500). SQLite and SQL Server store NUL, so they keep doing so:
/// the engine records remote answers verbatim there.
/// </summary>
internal sealed class TextWithoutNul : SaveChangesInterceptor
{
    public const string Message = "Text cannot contain the NUL character (\\u0000).";
    public static readonly TextWithoutNul Instance = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? context)
    {
        foreach (var entry in context?.ChangeTracker.Entries() ?? [])
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }
            foreach (var property in entry.Properties)
            {
                if (property.CurrentValue is string text && text.Contains('\0', StringComparison.Ordinal))
                {
                    throw new RequestValidationException(JsonNamingPolicy.CamelCase.ConvertName(property.Metadata.Name), Message);
                }
            }
        }
    }
}
