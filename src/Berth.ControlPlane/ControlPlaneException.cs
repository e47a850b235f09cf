namespace Berth.ControlPlane;

/// <summary>A refusal the API shows as a problem: what kind (its HTTP status) and a message for the user.</summary>
public sealed class ControlPlaneException : Exception
{
    public ControlPlaneException(ProblemKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public ControlPlaneException() : this(ProblemKind.Invalid, "invalid request") { }

    public ControlPlaneException(string message) : this(ProblemKind.Invalid, message) { }

    public ControlPlaneException(string message, Exception inner) : this(ProblemKind.Invalid, message, inner) { }

    public ProblemKind Kind { get; }

    public static ControlPlaneException NotFound(string what) => new(ProblemKind.NotFound, what + " not found");

    public static ControlPlaneException Invalid(string message) => new(ProblemKind.Invalid, message);

    public static ControlPlaneException Conflict(string message) => new(ProblemKind.Conflict, message);
}
