namespace Berth.Ui.Model;

/// <summary>A token just created: its row and its text, which is shown this once and kept nowhere.</summary>
public sealed record IssuedToken(ApiTokenRow Token, string Text);
