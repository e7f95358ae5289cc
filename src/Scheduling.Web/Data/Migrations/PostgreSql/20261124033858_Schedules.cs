using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class Schedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Schedules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    JobType = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    JobConfig = table.Column<string>(type: "text", nullable: false),
                    ScheduleType = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    TimeZone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ScheduledAt = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    RecurrenceRule = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    RecurrenceStart = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    CronExpression = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    NextRunAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastRunAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RunCount = table.Column<int>(type: "integer", nullable: false),
                    MaxRuns = table.Column<int>(type: "integer", nullable: true),
                    MissedPolicy = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    OverlapPolicy = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    RetryStrategy = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    RetryMaxAttempts = table.Column<int>(type: "integer", nullable: false),
                    RetryBaseDelaySeconds = table.Column<int>(type: "integer", nullable: false),
                    RetryMaxDelaySeconds = table.Column<int>(type: "integer", nullable: false),
                    TimeoutSeconds = table.Column<int>(type: "integer", nullable: true),
                    WebhookUrl = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    TitleTemplate = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    PauseNote = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    CreatedByUserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Schedules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Schedules_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ScheduleExceptions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    ScheduleId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Original = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Replacement = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScheduleExceptions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ScheduleExceptions_Schedules_ScheduleId",
                        column: x => x.ScheduleId,
                        principalTable: "Schedules",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ScheduleExceptions_ScheduleId_Kind_Original",
                table: "ScheduleExceptions",
                columns: new[] { "ScheduleId", "Kind", "Original" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Schedules_NextRunAt_Status",
                table: "Schedules",
                columns: new[] { "NextRunAt", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Schedules_Status_Priority_NextRunAt",
                table: "Schedules",
                columns: new[] { "Status", "Priority", "NextRunAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Schedules_WorkspaceId_Status",
                table: "Schedules",
                columns: new[] { "WorkspaceId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ScheduleExceptions");

            migrationBuilder.DropTable(
                name: "Schedules");
        }
    }
}
