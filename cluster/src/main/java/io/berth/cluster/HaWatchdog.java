package io.berth.cluster;

import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The node's self-fencing, Berth's watchdog-mux: a small shell process in its own session (so it outlives a killed
 * berthd) that the LRM feeds, after every successful renewal of its lease, with the HA containers armed on this
 * node. When it is not fed for {@code timeout} (the node lost quorum, or berthd hangs) or its pipe closes without
 * a disarm (berthd died), it kills those containers with {@code lxc-stop -k}. The timeout equals the LRM's lease TTL
 * and the CRM waits that TTL again after the lease expired before recovering: the fence always comes first, so a
 * container never runs on two nodes. Log: {@code logFile}.
 */
public final class HaWatchdog implements AutoCloseable {
    static final String SCRIPT = """
            T="$1"; LXCPATH="$2"; LOG="$3"; armed=""
            log() { echo "$(date '+%F %T') $*" >> "$LOG"; }
            log "watchdog started, timeout ${T}s"
            while :; do
              if IFS= read -r -t "$T" line; then
                case "$line" in
                  feed*) armed="${line#feed}" ;;
                  disarm) log "disarmed"; exit 0 ;;
                esac
              else
                rc=$?
                if [ "$rc" -gt 128 ]; then why="not fed for ${T}s (lease not renewed: no quorum, or berthd stuck)"; else why="berthd is gone"; fi
                for id in $armed; do
                  log "fencing CT $id: $why"
                  lxc-stop -P "$LXCPATH" -n "$id" -k >> "$LOG" 2>&1 || log "lxc-stop -k $id failed (exit $?)"
                done
                armed=""
                [ "$rc" -le 128 ] && { log "exiting: $why"; exit 0; }
              fi
            done
            """;

    private final ProcessRunner.Running process;
    private final OutputStream in;

    private HaWatchdog(ProcessRunner.Running p) {
        this.process = p;
        this.in = p.stdin();
    }

    public static HaWatchdog start(Path lxcPath, Path logFile, Duration timeout) {
        try {
            java.nio.file.Files.createDirectories(logFile.getParent());
            double secs = Math.max(1, timeout.toMillis()) / 1000.0;
            ProcessRunner.Running p = ProcessRunner.pipeline(List.of(List.of("setsid", "bash", "-c", SCRIPT, "berth-ha-watchdog",
                    String.format(java.util.Locale.ROOT, "%.1f", secs), lxcPath.toString(), logFile.toString())))
                    .stdinFromCaller().stdoutDiscarded().stderrDiscarded().start();
            return new HaWatchdog(p);
        } catch (IOException e) {
            throw new HostFailureException("cannot start the HA watchdog: " + e.getMessage(), e);
        }
    }

    public long pid() { return process.pid(0); }

    /** The lease was renewed: these containers may run for one more timeout. */
    public synchronized void feed(Collection<Integer> armed) {
        write("feed " + armed.stream().sorted().map(String::valueOf).collect(Collectors.joining(" ")) + "\n");
    }

    /** A clean stop with no HA container left running here: the watchdog exits without fencing. */
    public synchronized void disarm() {
        write("disarm\n");
    }

    private void write(String s) {
        try {
            in.write(s.getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            throw new HostFailureException("the HA watchdog (pid " + process.pid(0) + ") is gone: " + e.getMessage(), e);
        }
    }

    public boolean alive() { return process.alive(); }

    @Override public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // it reads EOF either way
        }
    }
}
