using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Berth.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class OpenRunIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_runs_ContainerId_Open",
                table: "runs",
                column: "ContainerId",
                filter: "\"EndedAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_runs_ContainerId_Open",
                table: "runs");
        }
    }
}
