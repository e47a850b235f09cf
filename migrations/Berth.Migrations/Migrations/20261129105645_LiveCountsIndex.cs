using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Berth.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class LiveCountsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_containers_TeamId_State_Live",
                table: "containers",
                columns: new[] { "TeamId", "State" },
                filter: "\"RemovedAt\" IS NULL")
                .Annotation("Npgsql:CreatedConcurrently", true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_containers_TeamId_State_Live",
                table: "containers");
        }
    }
}
