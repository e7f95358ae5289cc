using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduling.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OneEvergreenRepostPerRepeat : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Before this index two recycling passes at once could each place the same repost: keep one post record
            // (the lowest id) of each doubled repost. The other's schedule stays, as an ordinary schedule on the channel.
            migrationBuilder.Sql(
                "DELETE FROM \"ChannelPosts\" WHERE \"ContentId\" IS NOT NULL AND \"Repeat\" > 0 AND EXISTS (SELECT 1 FROM \"ChannelPosts\" AS \"Kept\" " +
                "WHERE \"Kept\".\"ContentId\" = \"ChannelPosts\".\"ContentId\" AND \"Kept\".\"ChannelId\" = \"ChannelPosts\".\"ChannelId\" " +
                "AND \"Kept\".\"Repeat\" = \"ChannelPosts\".\"Repeat\" AND \"Kept\".\"Id\" < \"ChannelPosts\".\"Id\")");

            migrationBuilder.CreateIndex(
                name: "IX_ChannelPosts_OneRepostPerRepeat",
                table: "ChannelPosts",
                columns: new[] { "ContentId", "ChannelId", "Repeat" },
                unique: true,
                filter: "\"ContentId\" IS NOT NULL AND \"Repeat\" > 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ChannelPosts_OneRepostPerRepeat",
                table: "ChannelPosts");
        }
    }
}
