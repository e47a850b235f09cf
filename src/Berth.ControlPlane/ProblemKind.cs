namespace Berth.ControlPlane;

/// <summary>Kinds of refusal, each with its HTTP status.</summary>
public enum ProblemKind
{
    Invalid = 400,
    Unauthenticated = 401,
    Forbidden = 403,
    NotFound = 404,
    Conflict = 409,
    /// <summary>A team quota would be exceeded (HTTP 422: the request is understood, and refused).</summary>
    QuotaExceeded = 422,
    Unavailable = 503,
}
