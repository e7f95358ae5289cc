using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ExecutionWaitReason : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "WaitReason",
                table: "Executions",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "None");

            // Rows written before the reason was typed: the sentences the engine wrote (and compared) then.
            migrationBuilder.Sql(@"UPDATE ""Executions"" SET ""WaitReason"" = 'PreviousRun' WHERE ""Status"" = 'Pending' AND ""Reason"" = 'Waiting for the previous run of this schedule to finish.';");
            migrationBuilder.Sql(@"UPDATE ""Executions"" SET ""WaitReason"" = 'CatchingUp' WHERE ""Status"" = 'Pending' AND ""Reason"" = 'Catching up missed runs in order: waits for the earlier one.';");
            migrationBuilder.Sql(@"UPDATE ""Executions"" SET ""WaitReason"" = 'ConcurrencyLimit' WHERE ""Status"" = 'Pending' AND ""Reason"" LIKE 'Waiting: the workspace runs %';");
            migrationBuilder.Sql(@"UPDATE ""Executions"" SET ""WaitReason"" = 'RateLimit' WHERE ""Status"" = 'Pending' AND ""Reason"" LIKE 'Waiting: the workspace starts at most %';");
            migrationBuilder.Sql(@"UPDATE ""Executions"" SET ""WaitReason"" = 'DailyQuota' WHERE ""Status"" = 'Pending' AND ""Reason"" LIKE 'Waiting for tomorrow (UTC): the workspace''s daily quota %';");
            migrationBuilder.Sql(@"UPDATE ""Executions"" SET ""WaitReason"" = 'RetryBackoff' WHERE ""Status"" = 'Pending' AND ""Reason"" LIKE 'Attempt % failed %; retry in %';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WaitReason",
                table: "Executions");
        }
    }
}
