using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CalendarCoveringRunsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Executions_WorkspaceId_ScheduledFor",
                table: "Executions");

            migrationBuilder.CreateIndex(
                name: "IX_Executions_WorkspaceId_ScheduledFor_ScheduleId_IsManual",
                table: "Executions",
                columns: new[] { "WorkspaceId", "ScheduledFor", "ScheduleId", "IsManual" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Executions_WorkspaceId_ScheduledFor_ScheduleId_IsManual",
                table: "Executions");

            migrationBuilder.CreateIndex(
                name: "IX_Executions_WorkspaceId_ScheduledFor",
                table: "Executions",
                columns: new[] { "WorkspaceId", "ScheduledFor" });
        }
    }
}
