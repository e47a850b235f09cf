namespace Berth.Data.Entities;

/// <summary>What a user may do everywhere: admins manage everything; auditors read everything and change nothing.</summary>
public enum GlobalRole
{
    None = 0,
    Admin = 1,
    Auditor = 2,
}
