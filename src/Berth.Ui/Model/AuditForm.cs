using Berth.ControlPlane.Audit;

namespace Berth.Ui.Model;

/// <summary>The Audit page's filter as typed, and the same filter for the service and for the CSV export link.</summary>
public sealed class AuditForm
{
    public static readonly IReadOnlyList<string> Outcomes = [AuditRecord.Allowed, AuditRecord.Denied, AuditRecord.Failed];

    /// <summary>A user name or id.</summary>
    public string? Actor { get; set; }

    /// <summary>An action, exact or a prefix ending in <c>*</c> (<c>container.*</c>).</summary>
    public string? Action { get; set; }

    /// <summary>A team name or id.</summary>
    public string? Team { get; set; }

    public string? Outcome { get; set; }

    /// <summary>The first day (UTC).</summary>
    public DateTime? From { get; set; }

    /// <summary>The last day (UTC), included.</summary>
    public DateTime? To { get; set; }

    /// <summary>The filter of the first page, or of the page of entries below <paramref name="before"/>.</summary>
    public AuditFilter ToFilter(long? before = null)
        => new(UtcDays.Start(From), UtcDays.EndOf(To), Blank(Actor), Blank(Action), Blank(Team), Blank(Outcome), Before: before);

    /// <summary>The link that downloads every matching entry as CSV.</summary>
    public string CsvHref()
    {
        var f = ToFilter();
        return "/api/v1/audit.csv" + new QueryString().Add("actor", f.Actor).Add("action", f.Action).Add("team", f.Team).Add("outcome", f.Outcome)
            .Add("from", f.From).Add("to", f.To);
    }

    /// <summary>What a chain check found, in a sentence.</summary>
    public static string VerificationText(AuditVerification result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Valid
            ? $"Chain intact: {result.Entries} entries checked."
            : $"Chain broken at entry {result.BrokenAt?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: {result.Reason ?? "hash mismatch"} ({result.Entries} entries checked).";
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
