using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.ControlPlane.Containers;

namespace Berth.Ui.Model;

/// <summary>The effective definition and state of a container as indented JSON, as the API gives it.</summary>
public static class ContainerInspect
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Json(ContainerView view) => JsonSerializer.Serialize(view, Options);
}
