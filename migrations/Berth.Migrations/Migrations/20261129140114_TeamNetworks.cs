using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Berth.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class TeamNetworks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "team_networks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    NodeId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    NetworkId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Bridge = table.Column<string>(type: "character varying(15)", maxLength: 15, nullable: false),
                    Subnet = table.Column<string>(type: "character varying(18)", maxLength: 18, nullable: false),
                    Gateway = table.Column<string>(type: "character varying(15)", maxLength: 15, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_team_networks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_team_networks_teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_team_networks_NodeId_Name",
                table: "team_networks",
                columns: new[] { "NodeId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_team_networks_TeamId_NodeId",
                table: "team_networks",
                columns: new[] { "TeamId", "NodeId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "team_networks");
        }
    }
}
