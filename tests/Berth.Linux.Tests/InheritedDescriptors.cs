namespace Berth.Linux.Tests;

/// <summary>Tests that make a descriptor inheritable, or check which descriptors a child inherits, never run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class InheritedDescriptors
{
    public const string Name = "Inherited descriptors";
}
