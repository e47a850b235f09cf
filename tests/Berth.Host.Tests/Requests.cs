using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

/// <summary>Helpers for the admin routes' tests: raw bodies, the other verbs, and counts read back from the database.</summary>
internal static class Requests
{
    /// <summary>Sends <paramref name="body"/> as it is (JSON or not), with <paramref name="method"/>.</summary>
    public static Task<HttpResponseMessage> SendRaw(this HttpClient client, HttpMethod method, string path, string? body)
        => client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") });

    public static async Task<JsonElement> Post(this HttpClient client, string path, object body, HttpStatusCode expected = HttpStatusCode.Created)
        => await (await client.PostAsJsonAsync(path, body)).Json(expected);

    public static async Task<JsonElement> Put(this HttpClient client, string path, object body)
        => await (await client.PutAsJsonAsync(path, body)).Json(HttpStatusCode.OK);

    public static async Task<JsonElement> Patch(this HttpClient client, string path, object body)
        => await (await client.PatchAsJsonAsync(path, body)).Json(HttpStatusCode.OK);

    public static Guid Id(this JsonElement e, string name = "id") => e.GetProperty(name).GetGuid();

    /// <summary>The audit entries that match <paramref name="where"/>, read through a new context.</summary>
    public static async Task<List<AuditEntry>> AuditAsync(this HostHarness host, System.Linq.Expressions.Expression<Func<AuditEntry, bool>> where)
    {
        await using var db = host.NewDb();
        return await db.Audit.AsNoTracking().Where(where).OrderBy(a => a.Id).ToListAsync();
    }

    /// <summary>How many audit entries there are (sign-ins and their tokens included).</summary>
    public static async Task<int> AuditCountAsync(this HostHarness host)
    {
        await using var db = host.NewDb();
        return await db.Audit.CountAsync();
    }

    /// <summary>Asserts that exactly one new entry records <paramref name="actor"/>'s <paramref name="action"/> as denied.</summary>
    public static async Task AssertDeniedAsync(this HostHarness host, string actor, string action, int before)
    {
        var denied = await host.AuditAsync(a => a.Id > before && a.Actor == actor && a.Action == action && a.Outcome == "denied");
        Assert.True(denied.Count == 1, $"expected one denied {action} by {actor}, found {denied.Count}");
    }

    /// <summary>The id of the newest audit entry (0 when there is none).</summary>
    public static async Task<int> AuditHeadAsync(this HostHarness host)
    {
        await using var db = host.NewDb();
        return (int)(await db.Audit.MaxAsync(a => (long?)a.Id) ?? 0);
    }
}
