using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExecutionsByScheduleAndStatus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Executions_ScheduleId_Status",
                table: "Executions",
                columns: new[] { "ScheduleId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Executions_ScheduleId_Status",
                table: "Executions");
        }
    }
}
