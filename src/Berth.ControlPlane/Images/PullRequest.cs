namespace Berth.ControlPlane.Images;

/// <summary>The body of <c>POST /api/v1/images/pull</c>: the image to pull, such as <c>registry.example:5000/team/app:1.2</c>.</summary>
public sealed class PullRequest
{
    public string? Reference { get; set; }
}
