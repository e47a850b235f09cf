// berth_spawn: start a program in a user namespace from a multithreaded (.NET) process.
//
// A multithreaded process can neither unshare(CLONE_NEWUSER) nor setns() into a user namespace (EINVAL), and
// posix_spawn cannot ask for either. clone() of a new child can: the child is single-threaded. That child is a
// copy of a .NET process, so it must run only this file's code (system calls, no allocation, no locks) until
// execve: this is the "clone immediately followed by execve in native-safe code" of DESIGN.md.
//
// The child, in order:
//   1. resets every signal handler (the parent's are .NET's, which must never run here);
//   2. joins args->userns_fd (setns), then unshares args->unshare_flags; a new pid namespace made that way
//      holds only children, so the child clones once more with CLONE_PARENT (the grandchild becomes the
//      caller's child and PID 1) and reports the grandchild's pid;
//   3. waits for one byte on args->sync_fd, sent once the caller wrote /proc/PID/uid_map and gid_map (a child
//      made with CLONE_NEWUSER has no ids until then); end of file means the caller gave up: exit quietly;
//   4. in a user namespace, keeps its capabilities across execve by raising them all into the ambient set:
//      its ids are still the host's (unmapped inside), so execve would otherwise clear its capabilities
//      (capabilities(7), "Capabilities and execution of programs by root"); the program it runs (berth's
//      init or exec helper) can then still use its host-owned state files and cgroup, and switches to the
//      container's ids itself; it clears the ambient set before the payload's execve;
//   5. places the descriptors, closes the rest, unblocks signals and execs.
// Failures go to args->report_fd (close-on-exec) as {BERTH_REPORT_ERROR, step, errno}; end of file there
// without an error means execve succeeded.
//
// Compiled into the NativeAOT berth binary (src/Berth.Cli/Berth.Cli.csproj) and called through P/Invoke
// (Berth.Linux.UserNamespaceSpawn).
//
// berth_preinit, at the end, is the other half: a constructor that joins a user namespace before the .NET runtime
// starts its threads, for a berth process spawned with BERTH_USERNS_FD (exec's helper, which any process, a
// JIT-hosted engine included, can spawn with posix_spawn).
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

enum { BERTH_REPORT_PID = 1, BERTH_REPORT_ERROR = 2 };

// The steps a failure can come from; Berth.Linux.UserNamespaceSpawn names them in errors.
enum
{
    STEP_CLONE = 1,
    STEP_SETNS_USER,
    STEP_UNSHARE,
    STEP_CLONE_PID,
    STEP_SYNC,
    STEP_CAPS,
    STEP_SETSID,
    STEP_FDS,
    STEP_EXECVE,
};

struct berth_spawn_args
{
    const char *path;
    char *const *argv;
    char *const *envp;
    const int32_t *fd_sources; // descriptors of the caller, already above every target
    const int32_t *fd_targets; // where each goes in the child; 0-2 are stdio
    int32_t fd_count;
    int32_t clone_flags;   // CLONE_NEW* flags for the child itself
    int32_t userns_fd;     // a user namespace to join first, or -1
    int32_t unshare_flags; // CLONE_NEW* flags to unshare after joining userns_fd
    int32_t sync_fd;       // read end the child waits on before going on, or -1
    int32_t report_fd;     // close-on-exec write end for pid and error reports
    int32_t new_session;   // setsid() in the child
};

static void report(int fd, int32_t kind, int32_t a, int32_t b)
{
    int32_t message[3] = {kind, a, b};
    // A short or failed write leaves the caller with end of file: it then sees the child's exit status.
    ssize_t unused = write(fd, message, sizeof message);
    (void)unused;
}

static _Noreturn void fail(const struct berth_spawn_args *args, int32_t step)
{
    report(args->report_fd, BERTH_REPORT_ERROR, step, errno);
    _exit(127);
}

static int raise_ambient(void)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0)
        return -1;
    // The ambient set takes only what is both permitted and inheritable.
    data[0].inheritable = data[0].permitted;
    data[1].inheritable = data[1].permitted;
    if (syscall(SYS_capset, &header, data) != 0)
        return -1;
    for (int cap = 0; cap < 64; cap++)
    {
        uint32_t word = cap < 32 ? data[0].permitted : data[1].permitted;
        if (!(word & (1U << (cap % 32))))
            continue;
        // EINVAL past the kernel's last capability.
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0 && errno != EINVAL)
            return -1;
    }
    return 0;
}

static int place_fds(const struct berth_spawn_args *args)
{
    int32_t highest = 2;
    for (int32_t i = 0; i < args->fd_count; i++)
    {
        if (dup2(args->fd_sources[i], args->fd_targets[i]) < 0)
            return -1;
        if (args->fd_targets[i] > highest)
            highest = args->fd_targets[i];
    }
    for (int fd = 3; fd <= highest; fd++)
    {
        int target = 0;
        for (int32_t i = 0; i < args->fd_count; i++)
            target |= args->fd_targets[i] == fd;
        if (!target)
            close(fd);
    }
    // Everything above the targets but the report pipe, which execve closes itself.
    if (args->report_fd > highest + 1 && syscall(SYS_close_range, highest + 1, args->report_fd - 1, 0) != 0)
        return -1;
    if (syscall(SYS_close_range, args->report_fd + 1, ~0U, 0) != 0)
        return -1;
    return 0;
}

static _Noreturn void child(const struct berth_spawn_args *args)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL); // EINVAL for the few the C library keeps: harmless

    int in_userns = (args->clone_flags & CLONE_NEWUSER) != 0;
    if (args->userns_fd >= 0)
    {
        if (setns(args->userns_fd, CLONE_NEWUSER) != 0)
            fail(args, STEP_SETNS_USER);
        in_userns = 1;
    }
    if (args->unshare_flags != 0 && unshare(args->unshare_flags) != 0)
        fail(args, STEP_UNSHARE);
    if (args->unshare_flags & CLONE_NEWPID)
    {
        long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (pid < 0)
            fail(args, STEP_CLONE_PID);
        if (pid > 0)
        {
            report(args->report_fd, BERTH_REPORT_PID, (int32_t)pid, 0);
            _exit(0);
        }
    }
    if (args->sync_fd >= 0)
    {
        char go;
        ssize_t n;
        do
            n = read(args->sync_fd, &go, 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            fail(args, STEP_SYNC);
        if (n == 0)
            _exit(127);
    }
    if (in_userns && raise_ambient() != 0)
        fail(args, STEP_CAPS);
    if (args->new_session && setsid() < 0)
        fail(args, STEP_SETSID);
    if (place_fds(args) != 0)
        fail(args, STEP_FDS);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(args->path, args->argv, args->envp);
    fail(args, STEP_EXECVE);
}

// Starts the child described by args from the calling thread; returns its pid, or -errno when clone failed.
// Signals stay blocked on the calling thread across the clone, so no handler of the caller runs in the child.
int berth_spawn(const struct berth_spawn_args *args)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    // Raw clone with no stack: a fork that can take namespace flags (glibc's clone() wants a stack and a
    // function; fork() runs the C library's atfork handlers, which are not ours to run).
    long pid = syscall(SYS_clone, (long)args->clone_flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        child(args);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pid < 0 ? -saved : (int)pid;
}

// Runs before main, while the process is still single-threaded: with BERTH_USERNS_FD=N in the environment, joins
// the user namespace open at descriptor N (setns needs a single-threaded caller) and closes N. No execve follows,
// so the process keeps the full capability set setns gives it in the namespace, and its ids stay the host's until
// it changes them itself. A failure ends the process with the reason on stderr.
__attribute__((constructor)) static void berth_preinit(void)
{
    const char *value = getenv("BERTH_USERNS_FD");
    if (value == NULL)
        return;
    char *end;
    long fd = strtol(value, &end, 10);
    if (*value == '\0' || *end != '\0' || fd < 3 || fd > 1024)
    {
        fprintf(stderr, "berth: BERTH_USERNS_FD=%s is not a descriptor\n", value);
        _exit(1);
    }
    if (setns((int)fd, CLONE_NEWUSER) != 0)
    {
        fprintf(stderr, "berth: setns (user namespace) from descriptor %ld: %s\n", fd, strerror(errno));
        _exit(1);
    }
    close((int)fd);
    unsetenv("BERTH_USERNS_FD");
}
