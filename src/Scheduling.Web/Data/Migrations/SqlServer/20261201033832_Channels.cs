using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class Channels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PauseNote",
                table: "Workspaces",
                type: "nvarchar(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "PausedAt",
                table: "Workspaces",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ChannelId",
                table: "Schedules",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Channels",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Name = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Platform = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    Color = table.Column<string>(type: "nvarchar(7)", maxLength: 7, nullable: false),
                    TimeZone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    WebhookUrl = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true),
                    PostingTimes = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: false),
                    MinGapMinutes = table.Column<int>(type: "int", nullable: false),
                    MaxPerDay = table.Column<int>(type: "int", nullable: true),
                    BlackoutDates = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    ImportedBlackoutDates = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    ConflictMode = table.Column<string>(type: "nvarchar(8)", maxLength: 8, nullable: false),
                    PausedAt = table.Column<DateTime>(type: "datetime2", nullable: true),
                    PauseNote = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Channels", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Channels_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Schedules_ChannelId_NextRunAt",
                table: "Schedules",
                columns: new[] { "ChannelId", "NextRunAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Channels_WorkspaceId_Name",
                table: "Channels",
                columns: new[] { "WorkspaceId", "Name" });

            migrationBuilder.AddForeignKey(
                name: "FK_Schedules_Channels_ChannelId",
                table: "Schedules",
                column: "ChannelId",
                principalTable: "Channels",
                principalColumn: "Id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Schedules_Channels_ChannelId",
                table: "Schedules");

            migrationBuilder.DropTable(
                name: "Channels");

            migrationBuilder.DropIndex(
                name: "IX_Schedules_ChannelId_NextRunAt",
                table: "Schedules");

            migrationBuilder.DropColumn(
                name: "PauseNote",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "PausedAt",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "ChannelId",
                table: "Schedules");
        }
    }
}
