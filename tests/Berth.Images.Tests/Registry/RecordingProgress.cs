namespace Berth.Images.Tests.Registry;

/// <summary>Keeps every report as it is made, on the reporting thread (Progress&lt;T&gt; would post them later and out of order).</summary>
internal sealed class RecordingProgress<T> : IProgress<T>
{
    private readonly List<T> _reports = [];

    public IReadOnlyList<T> Reports
    {
        get
        {
            lock (_reports) return _reports.ToList();
        }
    }

    public void Report(T value)
    {
        lock (_reports) _reports.Add(value);
    }
}
