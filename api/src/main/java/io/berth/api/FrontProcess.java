package io.berth.api;

import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import io.berth.sys.Processes;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the {@link ApiFront} running as its own process under an unprivileged user (www-data by default, as
 * Proxmox's pveproxy): spawned through {@code setpriv} (real and effective uid/gid, that user's groups, no
 * capabilities, no_new_privs) before the JVM opens anything, restarted when it dies, its pid in {@code pidFile} for
 * {@code berth daemon status|stop}.
 */
public final class FrontProcess implements AutoCloseable {
    private final List<String> command;
    private final String password;
    private final Path pidFile;
    private final Path log;
    private final Consumer<String> logger;
    private volatile ProcessRunner.Running process;
    private volatile boolean closed;
    private final Thread watcher;

    /**
     * @param dir       holds {@code pve-ssl.p12} and {@code backend.sock} (group-readable by {@code user}); the front's
     *                  pid file and log go there too
     * @param classPath what the front's JVM loads (berth.jar)
     */
    public FrontProcess(String user, String listen, int port, Path dir, String password, String classPath, Consumer<String> logger) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // root opens the jar and the api directory (fds 3 and 4) before setpriv drops to the user: the front reaches
        // them through /proc/self/fd whatever the modes of their parent directories (a root-only checkout or test dir)
        boolean oneJar = !classPath.contains(File.pathSeparator) && Files.isRegularFile(Path.of(classPath));
        String fdDir = "/proc/self/fd/4/";
        command = new ArrayList<>(List.of("bash", "-c", "exec 3<\"$1\" 4<\"$2\" || exit 70; shift 2; exec \"$@\"", "berth-api-front",
                oneJar ? classPath : "/dev/null", dir.toString(),
                "setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all", "--", java,
                // a relay: its heap holds connection buffers and TLS state only (a few MB for hundreds of clients); the
                // heap is fixed and touched at start, the native pools capped, so its RSS is flat from the first request
                "-Xms32m", "-Xmx32m", "-XX:NewSize=16m", "-XX:MaxNewSize=16m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "-XX:ReservedCodeCacheSize=24m", "-XX:MaxMetaspaceSize=32m", "-XX:MaxDirectMemorySize=8m", "-XX:CICompilerCount=2",
                "-XX:-UsePerfData", "-XX:TrimNativeHeapInterval=5000", "-Xss512k", "-Xshare:auto",
                "-cp", oneJar ? "/proc/self/fd/3" : classPath, ApiFront.class.getName(), "--listen", listen, "--port", Integer.toString(port),
                "--cert", fdDir + "pve-ssl.p12", "--backend", fdDir + "backend.sock",
                "--parent", Long.toString(ProcessHandle.current().pid())));
        this.password = password;
        this.pidFile = dir.resolve("front.pid");
        this.log = dir.resolve("front.log");
        this.logger = logger;
        spawn();
        watcher = Thread.ofVirtual().name("api-front-watch").start(this::watch);
    }

    private void spawn() {
        try {
            process = ProcessRunner.pipeline(List.of(command)).stdoutTo(log, true).stderrToStdout()
                    .env("BERTH_CERT_PASSWORD", password).envRemove("JAVA_TOOL_OPTIONS")
                    .env("MALLOC_ARENA_MAX", "2") // one glibc arena per thread otherwise
                    .start();
            Files.writeString(pidFile, process.pid(0) + "\n");
        } catch (IOException | HostFailureException e) {
            throw new IllegalStateException("cannot start the API front (" + String.join(" ", command) + "): " + e.getMessage(), e);
        }
    }

    private void watch() {
        long backoff = 500;
        while (!closed) {
            ProcessRunner.Running p = process;
            long started = System.nanoTime();
            String rc;
            try {
                rc = p.await().getFirst().how();
            } catch (InterruptedException e) {
                return;
            }
            if (closed) return;
            // a front that keeps dying at once (port taken, unreadable jar) is retried ever more slowly, up to 30 s
            backoff = System.nanoTime() - started > TimeUnit.SECONDS.toNanos(30) ? 500 : Math.min(backoff * 2, 30_000);
            logger.accept("api front (pid " + p.pid(0) + ") exited (" + rc + "); restarting in " + backoff + " ms (log: " + log + ")");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            if (closed) return;
            try {
                spawn();
            } catch (IllegalStateException e) {
                logger.accept(e.getMessage());
            }
        }
    }

    public Optional<Long> pid() {
        ProcessRunner.Running p = process;
        return p != null && p.alive() ? Optional.of(p.pid(0)) : Optional.empty();
    }

    @Override public void close() {
        closed = true;
        watcher.interrupt();
        ProcessRunner.Running p = process;
        if (p != null) {
            p.signal(Processes.SIGTERM);
            try {
                if (!p.waitFor(Duration.ofSeconds(10))) {
                    p.close();
                    p.waitFor(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                p.close();
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            // stale pid file: status checks the process
        }
    }
}
