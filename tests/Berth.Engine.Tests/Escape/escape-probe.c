/*
 * The escape suite's probe: one known container escape per verb, tried inside a container through the raw
 * system call, never through a library that might paper over the kernel's answer. Each verb prints one line,
 *   refused <what the kernel said>   or   ESCAPED <what got through>
 * and exits 0 when refused, 1 when something got through, 2 on bad usage. Built static (no libc in the image).
 * Attempts never do damage when they succeed: a write that opened is closed unwritten where the target matters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

static int refused(const char *what) { printf("refused %s\n", what); return 0; }
static int escaped(const char *what) { printf("ESCAPED %s\n", what); return 1; }

static char msg[512];

static int errno_refusal(const char *call) {
    snprintf(msg, sizeof msg, "%s: %s", call, strerror(errno));
    return refused(msg);
}

static int try_mount(void) {
    mkdir("/tmp/m", 0700);
    if (mount("tmpfs", "/tmp/m", "tmpfs", 0, NULL) == 0) return escaped("mount tmpfs");
    int e1 = errno;
    if (mount("/", "/tmp/m", NULL, MS_BIND | MS_REC, NULL) == 0) return escaped("bind mount of /");
    if (umount2("/proc", MNT_DETACH) == 0) return escaped("umount /proc");
    snprintf(msg, sizeof msg, "mount: %s; bind and umount: %s", strerror(e1), strerror(errno));
    return refused(msg);
}

static int try_userns(void) {
    if (unshare(CLONE_NEWUSER) == 0) return escaped("unshare(CLONE_NEWUSER)");
    int e1 = errno;
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, NULL);
    if (pid == 0) _exit(0);
    if (pid > 0) { waitpid((pid_t)pid, NULL, 0); return escaped("clone(CLONE_NEWUSER)"); }
    int e2 = errno;
    if (unshare(CLONE_NEWNS) == 0) return escaped("unshare(CLONE_NEWNS)");
    snprintf(msg, sizeof msg, "unshare: %s; clone: %s; unshare(NEWNS): %s", strerror(e1), strerror(e2), strerror(errno));
    return refused(msg);
}

static int try_keyctl(void) {
    /* KEYCTL_JOIN_SESSION_KEYRING = 1; add_key of a user key into the session keyring (-3). */
    if (syscall(SYS_keyctl, 1, "escape") >= 0) return escaped("keyctl(KEYCTL_JOIN_SESSION_KEYRING)");
    int e1 = errno;
    if (syscall(SYS_add_key, "user", "escape", "x", 1, -3) >= 0) return escaped("add_key");
    snprintf(msg, sizeof msg, "keyctl: %s; add_key: %s", strerror(e1), strerror(errno));
    return refused(msg);
}

static int try_bpf(void) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
    if (fd >= 0) return escaped("bpf(BPF_MAP_CREATE)");
    return errno_refusal("bpf");
}

static int try_ptrace(pid_t host_pid) {
    if (ptrace(PTRACE_ATTACH, host_pid, NULL, NULL) == 0) return escaped("ptrace(PTRACE_ATTACH) of the host process");
    int e1 = errno;
    pid_t child = fork();
    if (child == 0) { pause(); _exit(0); }
    long rc = ptrace(PTRACE_ATTACH, child, NULL, NULL);
    int e2 = errno;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    if (rc == 0) return escaped("ptrace(PTRACE_ATTACH) of a sibling");
    snprintf(msg, sizeof msg, "host pid %d: %s; sibling: %s", host_pid, strerror(e1), strerror(e2));
    return refused(msg);
}

static int try_write(const char *path, const char *value) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) { snprintf(msg, sizeof msg, "open %s: %s", path, strerror(errno)); return refused(msg); }
    ssize_t n = write(fd, value, strlen(value));
    int e = errno;
    close(fd);
    if (n >= 0) { snprintf(msg, sizeof msg, "wrote %s", path); return escaped(msg); }
    snprintf(msg, sizeof msg, "write %s: %s", path, strerror(e));
    return refused(msg);
}

static int try_read(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) return errno_refusal("opendir");
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(msg, sizeof msg, "%s lists %s", path, e->d_name);
                closedir(d);
                return escaped(msg);
            }
        closedir(d);
        snprintf(msg, sizeof msg, "%s is empty", path);
        return refused(msg);
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) { snprintf(msg, sizeof msg, "open %s: %s", path, strerror(errno)); return refused(msg); }
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n > 0) { snprintf(msg, sizeof msg, "read %zd bytes of %s", n, path); return escaped(msg); }
    snprintf(msg, sizeof msg, "%s reads %s", path, n == 0 ? "empty" : strerror(e));
    return refused(msg);
}

/* Every descriptor above stdio, and whether any leads out of the container's root. */
static int try_fds(void) {
    int found = 0;
    char list[256] = "";
    for (int fd = 3; fd < 4096; fd++) {
        if (fcntl(fd, F_GETFD) < 0) continue;
        char link[64], target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        snprintf(list + strlen(list), sizeof list - strlen(list), " %d=%s", fd, target);
        found++;
    }
    if (found) { snprintf(msg, sizeof msg, "inherited descriptors:%s", list); return escaped(msg); }
    return refused("no descriptor above stdio");
}

/* The host's files through /proc/PID/root: the container's own init and a host pid. */
static int try_procroot(const char *marker, pid_t host_pid) {
    char path[512];
    snprintf(path, sizeof path, "/proc/1/root%s", marker);
    if (access(path, F_OK) == 0) { snprintf(msg, sizeof msg, "%s exists", path); return escaped(msg); }
    snprintf(path, sizeof path, "/proc/%d/root%s", host_pid, marker);
    if (access(path, F_OK) == 0) { snprintf(msg, sizeof msg, "%s exists", path); return escaped(msg); }
    int e = errno;
    snprintf(path, sizeof path, "/proc/1/cwd/../../../../..%s", marker);
    if (access(path, F_OK) == 0) { snprintf(msg, sizeof msg, "%s exists", path); return escaped(msg); }
    snprintf(msg, sizeof msg, "the host marker is not reachable (/proc/%d/root: %s)", host_pid, strerror(e));
    return refused(msg);
}

/*
 * CVE-2019-5736: wait (up to SECONDS) for a process whose executable is neither this probe nor busybox (the
 * runtime re-executed through "#!/proc/self/exe"), hold its executable through /proc/PID/exe, and once it has
 * exited try to reopen that for writing. Opening is enough to tell; nothing is written.
 */
static int try_exe(int seconds) {
    char self[256];
    ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sn > 0 ? sn : 0] = 0;
    printf("watching\n");
    fflush(stdout);
    for (long round = 0; round < seconds * 2000L; round++) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            int pid = atoi(e->d_name);
            if (pid <= 0 || pid == getpid()) continue;
            char link[64], target[256];
            snprintf(link, sizeof link, "/proc/%d/exe", pid);
            ssize_t n = readlink(link, target, sizeof target - 1);
            if (n <= 0) continue;
            target[n] = 0;
            if (!strcmp(target, self) || strstr(target, "busybox")) continue;
            int held = open(link, O_PATH);
            if (held < 0) {
                closedir(d);
                snprintf(msg, sizeof msg, "open %s (%s): %s", link, target, strerror(errno));
                return refused(msg);
            }
            char reopen[64];
            snprintf(reopen, sizeof reopen, "/proc/self/fd/%d", held);
            printf("holding %s\n", target);
            fflush(stdout);
            closedir(d);
            /* The attack writes once the runtime's process is gone (while it runs, the kernel says ETXTBSY). */
            for (long i = 0; i < seconds * 1000L && kill(pid, 0) == 0; i++) usleep(1000);
            int w = open(reopen, O_WRONLY);
            if (w >= 0) {
                close(w);
                snprintf(msg, sizeof msg, "opened the runtime binary %s for writing", target);
                return escaped(msg);
            }
            int err = errno;
            struct statfs sf;
            int ro = fstatfs(held, &sf) == 0 && (sf.f_flags & ST_RDONLY);
            /* Busy only because another runtime process runs the same file: not a defence of its own. */
            if (err == ETXTBSY && !ro) {
                snprintf(msg, sizeof msg, "%s is on a writable mount; only ETXTBSY stopped the write", target);
                return escaped(msg);
            }
            snprintf(msg, sizeof msg, "reopen of %s for writing: %s%s", target, strerror(err), ro ? " (a read-only mount)" : "");
            return refused(msg);
        }
        if (d) closedir(d);
        usleep(500);
    }
    return escaped("no runtime process was seen to attack (the attempt did not happen)");
}

/* A block device node for the host's root disk, then reading it. */
static int try_mknod(unsigned major_, unsigned minor_) {
    const char *node = "/dev/shm/hostdisk";
    unlink(node);
    if (mknod(node, S_IFBLK | 0600, makedev(major_, minor_)) != 0) return errno_refusal("mknod");
    int fd = open(node, O_RDONLY);
    if (fd < 0) { int e = errno; unlink(node); snprintf(msg, sizeof msg, "mknod made it, open: %s", strerror(e)); return refused(msg); }
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    unlink(node);
    if (n > 0) return escaped("read the host's disk");
    return refused("the node reads nothing");
}

static int try_rlimit(void) {
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    struct rlimit up = { r.rlim_max + 1, r.rlim_max + 1 };
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) return escaped("raised the hard RLIMIT_NOFILE");
    int e1 = errno;
    getrlimit(RLIMIT_NPROC, &r);
    if (r.rlim_max != RLIM_INFINITY) {
        struct rlimit up2 = { r.rlim_max + 1, r.rlim_max + 1 };
        if (setrlimit(RLIMIT_NPROC, &up2) == 0) return escaped("raised the hard RLIMIT_NPROC");
    }
    snprintf(msg, sizeof msg, "setrlimit(RLIMIT_NOFILE above %llu): %s", (unsigned long long)r.rlim_max, strerror(e1));
    return refused(msg);
}

/* Run setuid-root: with no_new_privs the set-user-id bit must not take. */
static int try_setuid(void) {
    if (geteuid() == 0) return escaped("the set-user-id bit made this process root");
    snprintf(msg, sizeof msg, "euid stays %d", geteuid());
    return refused(msg);
}

/* Fork until the kernel says no; every child sleeps. */
static int try_forkbomb(long limit) {
    long n = 0;
    for (; n < limit; n++) {
        pid_t p = fork();
        if (p == 0) { pause(); _exit(0); }
        if (p < 0) {
            snprintf(msg, sizeof msg, "fork %ld: %s", n + 1, strerror(errno));
            kill(-1, SIGKILL);
            return refused(msg);
        }
    }
    kill(-1, SIGKILL);
    snprintf(msg, sizeof msg, "%ld processes", n);
    return escaped(msg);
}

/* Touch memory a MiB at a time; being killed is the refusal (the caller sees 137). */
static int try_membomb(long mib) {
    for (long i = 0; i < mib; i++) {
        char *p = malloc(1 << 20);
        if (!p) { snprintf(msg, sizeof msg, "malloc failed after %ld MiB", i); return refused(msg); }
        memset(p, 1, 1 << 20);
    }
    snprintf(msg, sizeof msg, "allocated %ld MiB", mib);
    return escaped(msg);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) return 2;
    const char *v = argv[1];
    if (!strcmp(v, "mount")) return try_mount();
    if (!strcmp(v, "userns")) return try_userns();
    if (!strcmp(v, "keyctl")) return try_keyctl();
    if (!strcmp(v, "bpf")) return try_bpf();
    if (!strcmp(v, "ptrace") && argc > 2) return try_ptrace(atoi(argv[2]));
    if (!strcmp(v, "write") && argc > 3) return try_write(argv[2], argv[3]);
    if (!strcmp(v, "read") && argc > 2) return try_read(argv[2]);
    if (!strcmp(v, "fds")) return try_fds();
    if (!strcmp(v, "procroot") && argc > 3) return try_procroot(argv[2], atoi(argv[3]));
    if (!strcmp(v, "exe") && argc > 2) return try_exe(atoi(argv[2]));
    if (!strcmp(v, "mknod") && argc > 3) return try_mknod((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]));
    if (!strcmp(v, "rlimit")) return try_rlimit();
    if (!strcmp(v, "setuid")) return try_setuid();
    if (!strcmp(v, "forkbomb") && argc > 2) return try_forkbomb(atol(argv[2]));
    if (!strcmp(v, "membomb") && argc > 2) return try_membomb(atol(argv[2]));
    return 2;
}
