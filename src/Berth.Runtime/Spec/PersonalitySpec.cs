namespace Berth.Runtime.Spec;

/// <summary>The execution domain (<c>LINUX</c> or <c>LINUX32</c>).</summary>
public sealed class PersonalitySpec
{
    public string Domain { get; set; } = "";
    public List<string>? Flags { get; set; }
}
