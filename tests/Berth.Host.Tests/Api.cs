using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Berth.Host.Tests;

/// <summary>Small helpers for calling the API and reading its answers.</summary>
internal static class Api
{
    public static async Task<JsonElement> Json(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}{HostErrors.For(response.RequestMessage?.RequestUri)}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/> and returns its detail.</summary>
    public static async Task<string> Problem(this HttpResponseMessage response, HttpStatusCode status)
    {
        var json = await response.Json(status);
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        return json.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
    }

    public static async Task<JsonElement> Launch(this HttpClient client, object body)
        => await (await client.PostAsJsonAsync("api/v1/containers", body)).Json(HttpStatusCode.Created);

    public static async Task<JsonElement> Get(this HttpClient client, string path) => await (await client.GetAsync(path)).Json(HttpStatusCode.OK);

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;
}
