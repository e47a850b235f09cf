using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.ControlPlane.Templates;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>Templates held in memory; every change asked for is recorded.</summary>
public sealed class FakeTemplateClient : ITemplateClient
{
    public List<TemplateView> Templates { get; } = [];

    /// <summary>When set, changes (create, update, delete) throw it.</summary>
    public ControlPlaneException? Failure { get; set; }

    public ConcurrentQueue<(string Action, Guid? Id, TemplateRequest? Request)> Changes { get; } = new();

    public Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<TemplateView>>(Templates.ToList());

    public Task<TemplateView> GetAsync(Guid id, CancellationToken cancellationToken)
        => Task.FromResult(Templates.FirstOrDefault(t => t.Id == id) ?? throw ControlPlaneException.NotFound($"template {id}"));

    public Task<TemplateView> CreateAsync(TemplateRequest request, CancellationToken cancellationToken)
    {
        Changes.Enqueue(("create", null, request));
        if (Failure is { } e) throw e;
        var view = Template(request.Name ?? "", request.Command ?? [], Guid.NewGuid());
        Templates.Add(view);
        return Task.FromResult(view);
    }

    public Task<TemplateView> UpdateAsync(Guid id, TemplateRequest request, CancellationToken cancellationToken)
    {
        Changes.Enqueue(("update", id, request));
        if (Failure is { } e) throw e;
        return GetAsync(id, cancellationToken);
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        Changes.Enqueue(("delete", id, null));
        if (Failure is { } e) throw e;
        Templates.RemoveAll(t => t.Id == id);
        return Task.CompletedTask;
    }

    /// <summary>A template of team <see cref="FakeSessionClient.TeamName"/> (or the one given) from busybox.</summary>
    public static TemplateView Template(string name, List<string> command, Guid? id = null, Guid? teamId = null, string team = FakeSessionClient.TeamName)
        => new()
        {
            Id = id ?? Guid.NewGuid(), TeamId = teamId ?? FakeSessionClient.TeamId, Team = team, Name = name, Description = "", Version = 7,
            Image = "busybox:latest", Command = command, Env = [], Mounts = [], Ports = [], RestartPolicy = "no",
            CreatedAt = Samples.T0, UpdatedAt = Samples.T0,
        };
}
