/*
 * A seccomp notify agent for SeccompNotifyTests: listens on the unix socket
 * ARGV[1], takes one connection, receives the container process state JSON
 * and the listener descriptor (SCM_RIGHTS) as runc sends them, writes the JSON
 * to ARGV[2], then answers notifications until the filter's last user is gone:
 * the first mkdir/mkdirat "succeeds" without making anything, every later one
 * fails with ENOSPC, and any other call goes on (CONTINUE). Each answer is a
 * line in ARGV[2].log.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 1) != 0) { perror("listen"); return 3; }
    int c = accept(s, NULL, NULL);
    if (c < 0) { perror("accept"); return 4; }

    static char json[65536];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = json, .iov_len = sizeof json - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    ssize_t n = recvmsg(c, &msg, 0);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (n <= 0 || cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no listener received\n"); return 5; }
    int listener;
    memcpy(&listener, CMSG_DATA(cmsg), sizeof listener);
    json[n] = 0;
    FILE *out = fopen(argv[2], "w");
    if (out == NULL) return 6;
    fputs(json, out);
    fclose(out);

    char logPath[4096];
    snprintf(logPath, sizeof logPath, "%s.log", argv[2]);
    FILE *log = fopen(logPath, "w");
    if (log == NULL) return 7;
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    int mkdirs = 0;
    for (;;)
    {
        struct pollfd p = { .fd = listener, .events = POLLIN };
        if (poll(&p, 1, -1) < 0) { if (errno == EINTR) continue; return 8; }
        if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) break;
        memset(&req, 0, sizeof req);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) { if (errno == EINTR || errno == ENOENT) continue; break; }
        memset(&resp, 0, sizeof resp);
        resp.id = req.id;
        long long mode = -1;
        if (req.data.nr == SYS_mkdir) mode = (long long)req.data.args[1];
        else if (req.data.nr == SYS_mkdirat) mode = (long long)req.data.args[2];
        if (mode == -1) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        else if (mkdirs++ == 0) resp.val = 0;
        else resp.error = -ENOSPC;
        fprintf(log, "pid %u nr %d mode %llo -> %s\n", req.pid, req.data.nr, mode, mode == -1 ? "continue" : resp.error ? "ENOSPC" : "0");
        fflush(log);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT) { perror("send"); }
    }
    fclose(log);
    return 0;
}
