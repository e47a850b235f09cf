using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Berth.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ContainerExpiryIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_containers_NodeId_ExpiresAt",
                table: "containers",
                columns: new[] { "NodeId", "ExpiresAt" },
                filter: "\"ExpiresAt\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_containers_NodeId_ExpiresAt",
                table: "containers");
        }
    }
}
