using System.Runtime.ExceptionServices;

namespace Berth.Runtime.Tests.Security;

/// <summary>
/// Runs work on a new OS thread that ends afterwards. Seccomp filters and capability sets belong to
/// a thread, so what the work does to itself goes away with it and the test host keeps its own.
/// The work should touch nothing that starts other threads (they would inherit the thread's state).
/// </summary>
internal static class DedicatedThread
{
    public static T Run<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public static void Run(Action work) => Run(() =>
    {
        work();
        return 0;
    });
}
