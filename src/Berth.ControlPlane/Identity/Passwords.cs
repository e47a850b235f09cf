using Berth.Data.Entities;
using Microsoft.AspNetCore.Identity;

namespace Berth.ControlPlane.Identity;

/// <summary>Password hashing with ASP.NET Core Identity's PBKDF2 format (salted, iterated, versioned).</summary>
public static class Passwords
{
    private static readonly PasswordHasher<User> Hasher = new();

    public const int MinLength = 8;

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    public static bool Verify(User user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
    }

    /// <summary>Throws an invalid-request refusal for a password too short to keep.</summary>
    public static void CheckStrength(string? password)
    {
        if (password is null || password.Length < MinLength) throw ControlPlaneException.Invalid($"a password needs at least {MinLength} characters");
        if (password.Length > 1024) throw ControlPlaneException.Invalid("a password has at most 1024 characters");
    }
}
