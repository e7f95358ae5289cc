using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class ScheduleJitter : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "JitterSeconds",
                table: "Schedules",
                type: "int",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "JitterSeconds",
                table: "Schedules");
        }
    }
}
