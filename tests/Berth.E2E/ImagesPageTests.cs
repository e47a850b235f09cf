using Berth.Data.Entities;
using Berth.Host.Tests;
using Berth.Testing;
using Berth.Ui.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The images page in Debian's chromium against a real host and engine: listing, upload, pull, inspect, removal and refusals.</summary>
public sealed class ImagesPageTests(Browser browser) : UiTest(browser)
{
    private ILocator Row(UiSession ui, string reference)
        => ui.Page.GetByTestId("images-grid").Locator("tbody tr").Filter(new LocatorFilterOptions { Has = ui.Page.GetByTestId("image-reference").GetByText(reference, new LocatorGetByTextOptions { Exact = true }) });

    /// <summary>Busybox pushed to <paramref name="registry"/> as <paramref name="name"/>, a name the node then forgets; the full reference.</summary>
    private async Task<string> InRegistryOnlyAsync(LocalRegistry registry, string name)
    {
        var target = $"{registry.Host}/{name}";
        await Host.Engine.TagAsync("busybox", target);
        await Host.Engine.PushAsync(target);
        await Host.Engine.RemoveImageAsync(target, force: false);
        return target;
    }

    [Fact]
    public async Task Admin_UploadInspectRemove_PageAndEngineAgree()
    {
        await using var ui = await OpenAsync();
        await ui.SignInAsync("admin", HostHarness.AdminPassword);
        await ui.Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Images", Exact = true }).ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Images");
        await Expect(Row(ui, "busybox:latest")).ToBeVisibleAsync();

        await ui.ClickUntilVisibleAsync(ui.Page.GetByTestId("upload-open"), ui.Field("upload-tag"));
        await ui.Field("upload-tag").FillAsync("e2e/uploaded:1");
        await ui.Page.Locator(".mud-dialog input[type=file]").SetInputFilesAsync(BusyboxImage.ArchivePath);
        await Expect(ui.Page.GetByTestId("upload-result")).ToContainTextAsync("e2e/uploaded:1", new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        var size = Units.Bytes(new FileInfo(BusyboxImage.ArchivePath).Length);
        await Expect(ui.Page.GetByTestId("upload-bytes")).ToHaveTextAsync($"{size} of {size}");
        await ui.ScreenshotAsync("images-uploaded");
        await ui.Page.GetByTestId("upload-close").ClickAsync();
        await Expect(Row(ui, "e2e/uploaded:1")).ToBeVisibleAsync();
        Assert.True(Host.Engine.HasImage("e2e/uploaded:1"));

        var image = await Host.Engine.ResolveImageAsync("e2e/uploaded:1");
        await Row(ui, "e2e/uploaded:1").GetByTestId("image-inspect").ClickAsync();
        await Expect(ui.Page.GetByTestId("image-id")).ToHaveTextAsync(image.Id);
        await Expect(ui.Page.GetByTestId("image-digest")).ToHaveTextAsync(image.ManifestDescriptor.Digest.ToString());
        await Expect(ui.Page.GetByTestId("image-names")).ToHaveTextAsync("busybox:latest, e2e/uploaded:1");
        await Expect(ui.Page.GetByTestId("image-cmd")).ToHaveTextAsync("sh");
        await Expect(ui.Page.GetByTestId("image-layers").Locator("tbody tr")).ToHaveCountAsync(image.Manifest.Layers.Count);
        await Expect(ui.Page.GetByTestId("image-layers")).ToContainTextAsync(image.Manifest.Layers[0].Digest.Hex[..12]);
        await ui.ScreenshotAsync("image-details");
        await ui.Page.GetByTestId("image-details-close").ClickAsync();

        await Row(ui, "e2e/uploaded:1").GetByTestId("image-remove").ClickAsync();
        await ui.ConfirmAsync("Remove");
        await Expect(ui.Page.Locator(".mud-snackbar")).ToContainTextAsync("Removed e2e/uploaded:1");
        await Expect(Row(ui, "e2e/uploaded:1")).ToHaveCountAsync(0);
        await Expect(Row(ui, "busybox:latest")).ToBeVisibleAsync();
        Assert.False(Host.Engine.HasImage("e2e/uploaded:1"));
        Assert.True(Host.Engine.HasImage("busybox:latest"));
        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Viewer_RemovePullUpload_ShowTheServicesRefusal()
    {
        await Host.CreateUserAsync("vera", "blue", TeamRole.Viewer);
        await using var ui = await OpenAsync();
        await ui.SignInAsync("vera", "vera-password");
        await ui.OpenPageAsync("/images", "Images");

        await Row(ui, "busybox:latest").GetByTestId("image-remove").ClickAsync();
        await ui.ConfirmAsync("Remove");
        await Expect(ui.Page.Locator(".mud-snackbar")).ToContainTextAsync("vera may not image remove busybox:latest");
        await Expect(Row(ui, "busybox:latest")).ToBeVisibleAsync();
        Assert.True(Host.Engine.HasImage("busybox:latest"));

        await ui.ClickUntilVisibleAsync(ui.Page.GetByTestId("pull-open"), ui.Field("pull-reference"));
        await ui.Field("pull-reference").FillAsync("127.0.0.1:1/e2e/nothing:1");
        await ui.Page.GetByTestId("pull-submit").ClickAsync();
        await Expect(ui.Page.GetByTestId("pull-error")).ToContainTextAsync("vera may not image pull");
        await Expect(ui.Page.GetByTestId("pull-state")).ToHaveCountAsync(0);
        await ui.Page.GetByTestId("pull-close").ClickAsync();

        await ui.ClickUntilVisibleAsync(ui.Page.GetByTestId("upload-open"), ui.Field("upload-tag"));
        await ui.Page.Locator(".mud-dialog input[type=file]").SetInputFilesAsync(BusyboxImage.ArchivePath);
        await Expect(ui.Page.GetByTestId("upload-error")).ToContainTextAsync("vera may not image upload");
        await ui.ScreenshotAsync("images-refused");
        Assert.Equal(["busybox:latest"], (await Host.Engine.ListImagesAsync()).Select(i => i.Reference.Familiar));
    }

    [Fact]
    public async Task Member_PullFromLocalRegistry_ProgressToDone_Listed()
    {
        using var registry = LocalRegistry.Start();
        var target = await InRegistryOnlyAsync(registry, "e2e/shell:1");
        // Nothing of it stays on the node: the pull downloads its layer.
        await Host.Engine.RemoveImageAsync("busybox", force: false);
        await using var ui = await SignedInAsync("paul", "blue", TeamRole.Member);
        await ui.OpenPageAsync("/images", "Images");
        await Expect(ui.Page.GetByTestId("images-empty")).ToBeVisibleAsync();

        await ui.ClickUntilVisibleAsync(ui.Page.GetByTestId("pull-open"), ui.Field("pull-reference"));
        await ui.Field("pull-reference").FillAsync(target);
        await ui.Page.GetByTestId("pull-submit").ClickAsync();
        await Expect(ui.Page.GetByTestId("pull-state")).ToHaveTextAsync("done", new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        var image = await Host.Engine.ResolveImageAsync(target);
        await Expect(ui.Page.GetByTestId("pull-result")).ToContainTextAsync(image.Id);
        await Expect(ui.Page.GetByTestId("pull-layers")).ToHaveTextAsync("1 of 1 layers");
        var size = Units.Bytes(image.Manifest.Layers[0].Size);
        await Expect(ui.Page.GetByTestId("pull-bytes")).ToHaveTextAsync($"{size} of {size}");
        await Expect(ui.Page.GetByTestId("pull-layer-table")).ToContainTextAsync("complete");
        await ui.ScreenshotAsync("images-pulled");
        await ui.Page.GetByTestId("pull-close").ClickAsync();
        await Expect(Row(ui, target)).ToBeVisibleAsync();
        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Member_LaunchesAnImageNotOnTheNode_PulledWithProgressThenRuns()
    {
        using var registry = LocalRegistry.Start();
        var target = await InRegistryOnlyAsync(registry, "e2e/launched:1");
        await using var ui = await SignedInAsync("lena", "blue", TeamRole.Member);
        await ui.OpenPageAsync("/launch", "Launch a container");
        await Expect(ui.Page.GetByTestId("launch-quota")).ToContainTextAsync("Containers");

        await ui.Field("launch-image").FillAsync(target);
        await ui.Field("launch-image").PressAsync("Tab");
        await Expect(ui.Page.GetByText("pulled before the launch")).ToBeVisibleAsync();
        await ui.Field("launch-name").FillAsync("e2e-pulled");
        await ui.Field("launch-command").FillAsync("sleep 600");
        await ui.Page.GetByTestId("launch-submit").ClickAsync();

        // The pull shows on the form, then the launch lands on the container's page.
        await Expect(ui.Page.GetByTestId("launch-pull")).ToBeVisibleAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("e2e-pulled", new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        await Expect(ui.Page.GetByTestId("container-state")).ToHaveTextAsync("running");
        Assert.True(Host.Engine.HasImage(target));
        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Member_LaunchesAnImageNoRegistryHas_ToldWhyNothingLaunched()
    {
        using var registry = LocalRegistry.Start();
        await using var ui = await SignedInAsync("lena", "blue", TeamRole.Member);
        await ui.OpenPageAsync("/launch", "Launch a container");
        await Expect(ui.Page.GetByTestId("launch-quota")).ToContainTextAsync("Containers");

        await ui.Field("launch-image").FillAsync($"{registry.Host}/e2e/missing:1");
        await ui.Field("launch-image").PressAsync("Tab");
        await ui.Page.GetByTestId("launch-submit").ClickAsync();

        await Expect(ui.Page.GetByTestId("launch-error")).ToContainTextAsync($"Image {registry.Host}/e2e/missing:1 could not be pulled", new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        await Expect(ui.Page.GetByTestId("launch-pull").GetByTestId("pull-state")).ToHaveTextAsync("failed");
        await Expect(ui.Page.GetByTestId("launch-pull").GetByTestId("pull-error")).ToContainTextAsync("not found");
        await ui.ScreenshotAsync("launch-pull-failed");
        await using var db = Host.NewDb();
        Assert.Equal(0, await db.Containers.CountAsync());
    }
}
