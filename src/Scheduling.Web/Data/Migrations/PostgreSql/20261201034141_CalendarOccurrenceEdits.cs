using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CalendarOccurrenceEdits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "SplitFromId",
                table: "Schedules",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "SplitIntoId",
                table: "Schedules",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Executions_WorkspaceId_ScheduledFor",
                table: "Executions",
                columns: new[] { "WorkspaceId", "ScheduledFor" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Executions_WorkspaceId_ScheduledFor",
                table: "Executions");

            migrationBuilder.DropColumn(
                name: "SplitFromId",
                table: "Schedules");

            migrationBuilder.DropColumn(
                name: "SplitIntoId",
                table: "Schedules");
        }
    }
}
