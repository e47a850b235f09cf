/*
 * A seccomp notify agent for SeccompNotifyTests: listens on the unix socket
 * ARGV[1] and takes connections as they come (the container's init, each
 * exec); from each it receives the container process state JSON and a
 * listener descriptor (SCM_RIGHTS), as runc sends them, and writes the JSON
 * to ARGV[2].N (N = 0, 1, … in order). It answers the notifications of every
 * listener: the first mkdir/mkdirat of all "succeeds" without making
 * anything, every later one fails with ENOSPC, and any other call goes on
 * (CONTINUE). With ARGV[3] = "once" it leaves when its first listener
 * reports the filter's last user gone; otherwise it runs until killed.
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

#define MAX_LISTENERS 16

static int receive(int s, const char *out, int n)
{
    int c = accept(s, NULL, NULL);
    if (c < 0) return -1;
    static char json[65536];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = json, .iov_len = sizeof json - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    ssize_t len = recvmsg(c, &msg, 0);
    close(c);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (len <= 0 || cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) return -1;
    int listener;
    memcpy(&listener, CMSG_DATA(cmsg), sizeof listener);
    json[len] = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s.%d", out, n);
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    fputs(json, f);
    fclose(f);
    return listener;
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    int once = argc > 3 && strcmp(argv[3], "once") == 0;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 4) != 0) { perror("listen"); return 3; }

    struct pollfd fds[MAX_LISTENERS + 1] = { { .fd = s, .events = POLLIN } };
    int count = 1, received = 0, mkdirs = 0;
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    for (;;)
    {
        if (poll(fds, count, -1) < 0) { if (errno == EINTR) continue; return 4; }
        if ((fds[0].revents & POLLIN) && count <= MAX_LISTENERS)
        {
            int listener = receive(s, argv[2], received);
            if (listener < 0) { fprintf(stderr, "no listener received\n"); return 5; }
            fds[count++] = (struct pollfd){ .fd = listener, .events = POLLIN };
            received++;
        }
        for (int i = 1; i < count; i++)
        {
            if (fds[i].fd < 0) continue;
            if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
            {
                if (once) return 0;
                close(fds[i].fd);
                fds[i].fd = -1;
                continue;
            }
            if (!(fds[i].revents & POLLIN)) continue;
            memset(&req, 0, sizeof req);
            if (ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) continue;
            memset(&resp, 0, sizeof resp);
            resp.id = req.id;
            int isMkdir = req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat;
            if (!isMkdir) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            else if (mkdirs++ == 0) resp.val = 0;
            else resp.error = -ENOSPC;
            if (ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT) perror("send");
        }
    }
}
