/*
 * berth-client: what bin/berth execs when berthd's socket exists. It hands the command to berthd over a root-only
 * Unix socket together with its own stdin/stdout/stderr (SCM_RIGHTS), so berthd runs the command directly on the
 * caller's descriptors: no output passes through the daemon. For exec/enter/console berthd does the checks and
 * prepares the lxc-attach/lxc-console command line, and the client runs it (see run_prepared): no process is
 * spawned by the daemon's JVM, and a berthd that dies meanwhile changes nothing. The client relays the exit code
 * and restores the terminal settings if berthd goes away in the middle of a command. When berthd cannot take the
 * command (not running, not root, a command it does not serve), it runs the cold path: bin/berth with BERTH_COLD=1
 * (for this run only).
 *
 * Environment (set by bin/berth): BERTH_SOCK = the socket path, BERTH_LAUNCHER = bin/berth itself; a non-empty
 * BERTH_NO_DAEMON runs the cold path. The hook command line LXC runs passes the first two as the client's own
 * leading options instead: --berthd-socket PATH --launcher PATH.
 *
 * Wire format (host byte order, both ends on one host):
 *   request  = "BRT2" u32:length, then length bytes of NUL-terminated strings:
 *              cwd, argc (decimal), argc arguments, then environment entries NAME=value up to the end.
 *              The first sendmsg carries exactly three descriptors: our 0, 1 and 2.
 *   to us    = frames of one type byte + i32: 'X' exit code (last), 'F' run the cold path instead (last),
 *              'M' + that many bytes for our stderr,
 *              'C' + that many bytes of NUL-terminated strings: a command line to run on our descriptors with our
 *              environment and working directory (last; its exit code is ours).
 *   from us  = 'S' + i32 signal number, for each signal we got while berthd runs the command.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)

extern char **environ;

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGUSR1, SIGUSR2};
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])

/* BERTH_PHASES=1: where an exec's time went, printed on stderr as berthd's commands print theirs (bench/run.sh) */
static int phases;
static struct timespec t_main, t_sent, t_reply, t_spawned;

static double ms_between(struct timespec a, struct timespec b) {
    return (double) (b.tv_sec - a.tv_sec) * 1e3 + (double) (b.tv_nsec - a.tv_nsec) / 1e6;
}

static int tty_fd = -1;
static struct termios saved_tios;

static void save_terminal(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (isatty(fd) && tcgetattr(fd, &saved_tios) == 0) {
            tty_fd = fd;
            return;
        }
    }
}

/* Puts back the terminal settings we started with if something (lxc-attach in raw mode) changed them and did not
 * restore them, e.g. because berthd and its child were killed. Only then: tcsetattr from a background job would
 * stop us with SIGTTOU. */
static void restore_terminal(void) {
    struct termios now;
    if (tty_fd < 0 || tcgetattr(tty_fd, &now) != 0) return;
    if (now.c_iflag == saved_tios.c_iflag && now.c_oflag == saved_tios.c_oflag && now.c_cflag == saved_tios.c_cflag
        && now.c_lflag == saved_tios.c_lflag && memcmp(now.c_cc, saved_tios.c_cc, sizeof now.c_cc) == 0) {
        return;
    }
    signal(SIGTTOU, SIG_IGN);
    tcsetattr(tty_fd, TCSADRAIN, &saved_tios);
}

static sigset_t forwarded_set(void) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < NFORWARDED; i++) sigaddset(&set, forwarded[i]);
    return set;
}

/* The cold path: bin/berth again, told not to use berthd. */
static void cold(int argc, char **argv) {
    const char *launcher = getenv("BERTH_LAUNCHER");
    sigset_t set = forwarded_set();
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (!launcher || !*launcher) {
        fprintf(stderr, "berth: BERTH_LAUNCHER is not set; run bin/berth, not berth-client\n");
        exit(127);
    }
    setenv("BERTH_COLD", "1", 1);
    char **args = calloc((size_t) argc + 1, sizeof *args);
    if (!args) exit(127);
    args[0] = (char *) launcher;
    for (int i = 1; i < argc; i++) args[i] = argv[i];
    execv(launcher, args);
    fprintf(stderr, "berth: cannot run %s: %s\n", launcher, strerror(errno));
    exit(127);
}

/* berthd's directory must be root's and closed to others, or a stale path could be someone else's socket. */
static int socket_dir_is_safe(const char *sock) {
    char dir[PATH_MAX];
    size_t n = strlen(sock);
    if (n >= sizeof dir) return 0;
    memcpy(dir, sock, n + 1);
    char *slash = strrchr(dir, '/');
    if (!slash) return 0;
    *slash = 0;
    struct stat st;
    if (stat(*dir ? dir : "/", &st) != 0) return 0;
    if (st.st_uid != 0 || (st.st_mode & 077) != 0) {
        fprintf(stderr, "berth: not using berthd: %s must be owned by root with mode 0700 (is uid %u, mode %04o)\n",
                dir, (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777));
        return 0;
    }
    return 1;
}

static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t r = send(fd, p, len, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += r;
        len -= (size_t) r;
    }
    return 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s) + 1;
    if (*len + n > MAX_REQUEST) return -1;
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n) c *= 2;
        char *b = realloc(*buf, c);
        if (!b) return -1;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    return 0;
}

/* Reads exactly len bytes; 0 when the stream ended first. */
static int read_full(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t r = recv(fd, p, len, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        p += r;
        len -= (size_t) r;
    }
    return 1;
}

/*
 * Runs the command line berthd prepared (lxc-attach/lxc-console) and returns its exit code (128 + signal if
 * killed). On a terminal it replaces us: lxc-attach needs the terminal as its controlling terminal (it proxies it to
 * a pty of the container's and finds it as /dev/tty), so job control, Ctrl-C, the window size and the terminal's
 * restore are its own, exactly as when run by hand. Without one it runs as our child in a session of its own (no
 * controlling terminal, its own process group), and we forward the signals we get to that process group: lxc-attach
 * ignores SIGINT and SIGQUIT while it waits for the process inside (as system(3) does, leaving them to a terminal's
 * foreground process group), so a SIGINT sent to us reaches the process inside as Ctrl-C would.
 */
static int run_prepared(char **args, int sfd, sigset_t set) {
    if (tty_fd >= 0) {
        if (sfd >= 0) close(sfd);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        signal(SIGPIPE, SIG_DFL);
        execvp(args[0], args);
        fprintf(stderr, "berth: cannot run %s: %s\n", args[0], strerror(errno));
        return 127;
    }
    /* the child's end comes on the signalfd too; SIGCHLD ignored (inherited) would reap it behind our back */
    signal(SIGCHLD, SIG_DFL);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if (sfd < 0 || signalfd(sfd, &set, SFD_CLOEXEC) < 0) {
        if (sfd >= 0) close(sfd);
        sfd = -1;
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE); /* ignored here, default for the command as for any other */
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    pid_t pid;
    int e = posix_spawnp(&pid, args[0], NULL, &attr, args, environ);
    posix_spawnattr_destroy(&attr);
    if (e != 0) {
        fprintf(stderr, "berth: cannot run %s: %s\n", args[0], strerror(e));
        return 127;
    }
    if (phases) clock_gettime(CLOCK_REALTIME, &t_spawned);
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, sfd >= 0 ? WNOHANG : 0);
        if (w == pid) {
            if (phases) {
                struct timespec t_end;
                clock_gettime(CLOCK_REALTIME, &t_end);
                fprintf(stderr, "berth-phases: client.request=%.2f berthd=%.2f client.spawn=%.2f command=%.2f\n",
                        ms_between(t_main, t_sent), ms_between(t_sent, t_reply), ms_between(t_reply, t_spawned),
                        ms_between(t_spawned, t_end));
            }
            return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
        }
        if (w < 0 && errno != EINTR) {
            fprintf(stderr, "berth: waiting for %s: %s\n", args[0], strerror(errno));
            return 255;
        }
        if (sfd < 0) continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != (ssize_t) sizeof si) continue;
        if (si.ssi_signo != SIGCHLD) kill(-pid, (int) si.ssi_signo);
    }
}

int main(int argc, char **argv) {
    const char *ph = getenv("BERTH_PHASES");
    phases = ph && strcmp(ph, "1") == 0;
    if (phases) clock_gettime(CLOCK_REALTIME, &t_main);
    /* Closed standard descriptors become /dev/null, so that the socket never takes their place and three valid
     * descriptors can always be passed. */
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
    }
    /* The client's own options, only before everything else: the hook command line LXC runs (sh -c "exec CMD", see
     * io.berth.ct.hook.HookCommand) names the socket and the launcher here, where env(1) cost one exec per hook.
     * They become BERTH_SOCK/BERTH_LAUNCHER, so berthd and the cold path see them as before. */
    int own = 1;
    while (own + 1 < argc) {
        if (strcmp(argv[own], "--berthd-socket") == 0) setenv("BERTH_SOCK", argv[own + 1], 1);
        else if (strcmp(argv[own], "--launcher") == 0) setenv("BERTH_LAUNCHER", argv[own + 1], 1);
        else break;
        own += 2;
    }
    if (own > 1) {
        argv[own - 1] = argv[0];
        argv += own - 1;
        argc -= own - 1;
    }
    /* BERTH_NO_DAEMON: as in bin/berth (LXC's hooks run this client directly, see io.berth.ct.hook.HookCommand) */
    const char *nodaemon = getenv("BERTH_NO_DAEMON");
    if (nodaemon && *nodaemon) cold(argc, argv);
    const char *path = getenv("BERTH_SOCK");
    if (!path || !*path) cold(argc, argv);
    if (!socket_dir_is_safe(path)) cold(argc, argv);

    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) cold(argc, argv);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) cold(argc, argv);
    strcpy(addr.sun_path, path);
    if (connect(s, (struct sockaddr *) &addr, sizeof addr) != 0) {
        /* not running (stale socket: ECONNREFUSED) or gone: the cold path works without it */
        close(s);
        cold(argc, argv);
    }
    struct ucred cred;
    socklen_t cl = sizeof cred;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 || cred.uid != 0) {
        fprintf(stderr, "berth: not using berthd: the process on %s is not root\n", path);
        close(s);
        cold(argc, argv);
    }

    /* the request */
    char *body = NULL;
    size_t len = 0, cap = 0;
    char cwd[PATH_MAX], num[32];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
    snprintf(num, sizeof num, "%d", argc - 1);
    int too_big = append(&body, &len, &cap, cwd) || append(&body, &len, &cap, num);
    for (int i = 1; i < argc && !too_big; i++) too_big = append(&body, &len, &cap, argv[i]);
    for (char **e = environ; *e && !too_big; e++) too_big = append(&body, &len, &cap, *e);
    if (too_big) {
        fprintf(stderr, "berth: the command line and environment exceed %d bytes, more than berthd accepts; "
                        "running without it\n", MAX_REQUEST);
        close(s);
        cold(argc, argv);
    }

    /* Signals arrive on a signalfd from here on, to be forwarded. */
    sigset_t set = forwarded_set();
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    save_terminal();

    char header[8] = {'B', 'R', 'T', '2'};
    uint32_t blen = (uint32_t) len;
    memcpy(header + 4, &blen, 4);
    int fds[3] = {0, 1, 2};
    char ctl[CMSG_SPACE(sizeof fds)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {header, sizeof header};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    ssize_t sent;
    do sent = sendmsg(s, &msg, MSG_NOSIGNAL); while (sent < 0 && errno == EINTR);
    /* A partial header or a refused body still gets berthd's answer (e.g. why it refused) read below. */
    if (sent == (ssize_t) sizeof header) write_all(s, body, len);
    else if (sent > 0 && write_all(s, header + sent, sizeof header - (size_t) sent) == 0) write_all(s, body, len);
    free(body);
    if (phases) clock_gettime(CLOCK_REALTIME, &t_sent);

    for (;;) {
        struct pollfd p[2] = {{s, POLLIN, 0}, {sfd, POLLIN, 0}};
        int r = poll(p, sfd >= 0 ? 2 : 1, -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (sfd >= 0 && (p[1].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t) sizeof si) {
                char f[5] = {'S'};
                int32_t sig = (int32_t) si.ssi_signo;
                memcpy(f + 1, &sig, 4);
                write_all(s, f, sizeof f);
            }
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char f[5];
        if (!read_full(s, f, sizeof f)) break;
        int32_t v;
        memcpy(&v, f + 1, 4);
        switch (f[0]) {
            case 'X':
                restore_terminal();
                return v & 0xff;
            case 'F':
                close(s);
                cold(argc, argv);
                break;
            case 'C': {
                if (v <= 0 || v > MAX_REQUEST) goto gone;
                char *m = malloc((size_t) v + 1);
                if (!m || !read_full(s, m, (size_t) v)) goto gone;
                m[v] = 0;
                size_t n = 0;
                for (int i = 0; i < v; i++) n += m[i] == 0;
                char **args = calloc(n + 1, sizeof *args);
                if (!args || n == 0) goto gone;
                size_t k = 0;
                for (char *q = m; k < n; q += strlen(q) + 1) args[k++] = q;
                close(s);
                if (phases) clock_gettime(CLOCK_REALTIME, &t_reply);
                return run_prepared(args, sfd, set);
            }
            case 'M': {
                if (v < 0 || v > 65536) goto gone;
                char *m = malloc((size_t) v + 1);
                if (!m || !read_full(s, m, (size_t) v)) goto gone;
                ssize_t w = write(2, m, (size_t) v);
                (void) w;
                free(m);
                break;
            }
            default:
                goto gone;
        }
    }
gone:
    restore_terminal();
    fprintf(stderr, "\nberth: berthd went away before the command finished\n");
    return 255;
}
