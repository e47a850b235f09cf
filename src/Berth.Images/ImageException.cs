namespace Berth.Images;

/// <summary>An image, a reference or a blob that cannot be used: the message says which and why, for the user.</summary>
public sealed class ImageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ImageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ImageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
