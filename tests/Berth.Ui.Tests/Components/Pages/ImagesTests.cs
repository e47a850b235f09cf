using AngleSharp.Dom;
using Berth.ControlPlane;
using Berth.ControlPlane.Images;
using ImagesPage = Berth.Ui.Components.Pages.Images;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class ImagesTests : UiTestContext
{
    private readonly FakeImageClient _images = new();

    public ImagesTests() => Services.AddSingleton<IImageClient>(_images);

    private static IElement Row(IRenderedComponent<ImagesPage> cut, string reference)
        => cut.FindAll("[data-testid=images-grid] tbody tr").Single(r => r.QuerySelector("[data-testid=image-reference]")?.TextContent == reference);

    private static string Text(IRenderedComponent<MudDialogProvider> dialogs, string testId) => dialogs.Find($"[data-testid={testId}]").TextContent.Trim();

    private List<string> Snackbars() => Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message ?? "").ToList();

    [Fact]
    public void Render_Images_RowsWithShortIdSizeAndCreated()
    {
        RenderProviders();
        var cut = Render<ImagesPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=images-grid] tbody tr").Count));
        var busybox = Row(cut, "busybox:latest");
        Assert.Contains("aaaaaaaaaaaa", busybox.TextContent);
        Assert.DoesNotContain("sha256:", busybox.TextContent);
        Assert.Contains("2.3 MiB", busybox.TextContent);
        Assert.Contains("—", busybox.TextContent);
        Assert.Contains(Units.Time(Samples.T0), Row(cut, "alpine:3.20").TextContent);
    }

    [Fact]
    public void Render_NoImages_SaysHowToGetOne()
    {
        _images.Images = [];
        RenderProviders();
        var cut = Render<ImagesPage>();

        cut.WaitForAssertion(() => Assert.Contains("pull one from a registry or upload an archive", cut.Find("[data-testid=images-empty]").TextContent));
    }

    [Fact]
    public void Pull_PollsTheStateUntilDone_ThenStopsAndListsTheImage()
    {
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=images-grid] tbody tr")));

        cut.Find("[data-testid=pull-open]").Click();
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("input[data-testid=pull-reference]")));
        dialogs.Find("input[data-testid=pull-reference]").Input(" registry.test:5000/team/app:1 ");
        dialogs.Find("[data-testid=pull-submit]").Click();

        dialogs.WaitForAssertion(() => Assert.Equal("queued", Text(dialogs, "pull-state")));
        Assert.Equal(["registry.test:5000/team/app:1"], _images.Pulled);
        Assert.Empty(dialogs.FindAll("[data-testid=pull-submit]"));

        _images.PullStates.Enqueue(FakeImageClient.Pull("registry.test:5000/team/app:1", "running", layers: [('1', "downloading", 512, 1024), ('2', "waiting", 0, 2048)]));
        Time.WaitForTimer();
        Time.Fire();
        dialogs.WaitForAssertion(() => Assert.Equal("running", Text(dialogs, "pull-state")));
        Assert.Equal("512 B of 3 KiB", Text(dialogs, "pull-bytes"));
        Assert.Equal("0 of 2 layers", Text(dialogs, "pull-layers"));
        Assert.Contains("111111111111", dialogs.Find("[data-testid=pull-layer-table]").TextContent);

        _images.PullStates.Enqueue(FakeImageClient.Pull("registry.test:5000/team/app:1", "done", imageId: "sha256:" + new string('5', 64),
            layers: [('1', "complete", 1024, 1024), ('2', "already-exists", 2048, 2048)]));
        Time.Fire();
        dialogs.WaitForAssertion(() => Assert.Equal("done", Text(dialogs, "pull-state")));
        Assert.Equal("2 of 2 layers", Text(dialogs, "pull-layers"));
        Assert.Contains("sha256:" + new string('5', 64), Text(dialogs, "pull-result"));
        Assert.Equal(2, _images.PullReads);

        // A finished pull is not read again.
        Time.Fire();
        Time.Fire();
        Assert.Equal(2, _images.PullReads);

        _images.Images.Add(new ImageView("registry.test:5000/team/app:1", "sha256:" + new string('5', 64), 3072, null));
        dialogs.Find("[data-testid=pull-close]").Click();
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, "registry.test:5000/team/app:1")));
    }

    [Fact]
    public void Pull_Failed_ShowsTheError()
    {
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.Find("[data-testid=pull-open]").Click();
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("input[data-testid=pull-reference]")));
        dialogs.Find("input[data-testid=pull-reference]").Input("registry.test:5000/nothing:1");
        dialogs.Find("[data-testid=pull-submit]").Click();
        dialogs.WaitForAssertion(() => Assert.Equal("queued", Text(dialogs, "pull-state")));

        _images.PullStates.Enqueue(FakeImageClient.Pull("registry.test:5000/nothing:1", "failed", error: "registry.test:5000/nothing: manifest unknown"));
        Time.WaitForTimer();
        Time.Fire();

        dialogs.WaitForAssertion(() => Assert.Equal("failed", Text(dialogs, "pull-state")));
        Assert.Equal("registry.test:5000/nothing: manifest unknown", Text(dialogs, "pull-error"));
        Assert.Empty(dialogs.FindAll("[data-testid=pull-result]"));
    }

    [Fact]
    public void Pull_Refused_ShowsTheRefusalAndPollsNothing()
    {
        _images.Refusal = new ControlPlaneException(ProblemKind.Forbidden, "vic may not image pull registry.test:5000/x:1");
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.Find("[data-testid=pull-open]").Click();
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("input[data-testid=pull-reference]")));
        dialogs.Find("input[data-testid=pull-reference]").Input("registry.test:5000/x:1");

        dialogs.Find("[data-testid=pull-submit]").Click();

        dialogs.WaitForAssertion(() => Assert.Equal("vic may not image pull registry.test:5000/x:1", Text(dialogs, "pull-error")));
        Assert.Empty(dialogs.FindAll("[data-testid=pull-state]"));
        Assert.NotEmpty(dialogs.FindAll("[data-testid=pull-submit]"));
        Assert.Equal(0, _images.PullReads);
    }

    [Fact]
    public void Upload_ArchiveWithTag_StreamsItShowsBytesAndListsTheImage()
    {
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=images-grid] tbody tr")));
        cut.Find("[data-testid=upload-open]").Click();
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("input[data-testid=upload-tag]")));
        dialogs.Find("input[data-testid=upload-tag]").Input("team/app:dev");
        var archive = new byte[300_000];
        Random.Shared.NextBytes(archive);

        dialogs.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(archive, "app.tar", contentType: "application/x-tar"));

        dialogs.WaitForAssertion(() => Assert.Contains("team/app:dev", Text(dialogs, "upload-result")));
        var (tag, bytes) = Assert.Single(_images.Uploaded);
        Assert.Equal("team/app:dev", tag);
        Assert.Equal(archive, bytes);
        Assert.Equal("app.tar", Text(dialogs, "upload-file"));
        Assert.Equal("293 KiB of 293 KiB", Text(dialogs, "upload-bytes"));

        dialogs.Find("[data-testid=upload-close]").Click();
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, "team/app:dev")));
    }

    [Fact]
    public void Upload_Refused_ShowsTheRefusal()
    {
        _images.Refusal = new ControlPlaneException(ProblemKind.Forbidden, "vic may not image upload archive");
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.Find("[data-testid=upload-open]").Click();
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=upload-choose]")));

        dialogs.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([1, 2, 3], "app.tar"));

        dialogs.WaitForAssertion(() => Assert.Equal("vic may not image upload archive", Text(dialogs, "upload-error")));
        Assert.Empty(dialogs.FindAll("[data-testid=upload-result]"));
        Assert.Empty(_images.Uploaded);
    }

    [Fact]
    public void Inspect_ShowsIdConfigAndLayers()
    {
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=images-grid] tbody tr")));

        Row(cut, "busybox:latest").QuerySelector("[data-testid=image-inspect]")!.Click();

        dialogs.WaitForAssertion(() => Assert.Equal("sha256:" + new string('a', 64), Text(dialogs, "image-id")));
        Assert.Equal("sha256:" + new string('c', 64), Text(dialogs, "image-digest"));
        Assert.Equal("sh -c \"echo hi\"", Text(dialogs, "image-cmd"));
        Assert.Equal("PATH=/usr/bin:/bin", Text(dialogs, "image-env"));
        var layers = dialogs.FindAll("[data-testid=image-layers] tbody tr");
        Assert.Equal(2, layers.Count);
        Assert.Contains("dddddddddddd", layers[0].TextContent);
        Assert.Contains("976.6 KiB", layers[0].TextContent);
        Assert.Contains("yes", layers[0].TextContent);
        Assert.Contains("no", layers[1].TextContent);
        Assert.Contains("team=blue", dialogs.Find("[data-testid=image-facts]").TextContent);
    }

    [Fact]
    public void Remove_Confirmed_RemovesAndListsWhatIsLeft()
    {
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=images-grid] tbody tr")));

        Row(cut, "alpine:3.20").QuerySelector("[data-testid=image-remove]")!.Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Remove image alpine:3.20?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Remove").Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=images-grid] tbody tr")));
        Assert.Equal(["alpine:3.20"], _images.Removed);
        Assert.Contains("Removed alpine:3.20; 3 MiB freed.", Snackbars());
    }

    [Fact]
    public void Remove_Refused_ShowsTheRefusalAndKeepsTheRow()
    {
        _images.Refusal = new ControlPlaneException(ProblemKind.Forbidden, "vic may not image remove busybox:latest");
        var dialogs = RenderProviders();
        var cut = Render<ImagesPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=images-grid] tbody tr")));

        Row(cut, "busybox:latest").QuerySelector("[data-testid=image-remove]")!.Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Remove image busybox:latest?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Remove").Click();

        cut.WaitForAssertion(() => Assert.Contains("vic may not image remove busybox:latest", Snackbars()));
        Assert.NotNull(Row(cut, "busybox:latest"));
    }
}
