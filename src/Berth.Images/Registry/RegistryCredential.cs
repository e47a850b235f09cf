namespace Berth.Images.Registry;

/// <summary>A user name and password (or access token used as one) for a registry.</summary>
public sealed record RegistryCredential(string Username, string Password)
{
    /// <summary>The user name only: a credential printed in a log or an error must not show its password.</summary>
    public override string ToString() => Username;
}
