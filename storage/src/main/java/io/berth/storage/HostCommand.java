package io.berth.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool (mkfs.ext4, btrfs, lvcreate, ...) with stdin from /dev/null and a time limit, so a
 * tool waiting for input or for udev can never hang Berth. A failure names the command, its exit
 * status and what it printed on stderr.
 */
public record HostCommand(List<String> argv, Map<String, String> env, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    public HostCommand {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }

    public static HostCommand of(String... argv) {
        return new HostCommand(List.of(argv), Map.of(), DEFAULT_TIMEOUT);
    }

    public HostCommand withEnv(Map<String, String> extra) {
        var merged = new java.util.HashMap<>(env);
        merged.putAll(extra);
        return new HostCommand(argv, merged, timeout);
    }

    public record Result(int exitCode, String stdout, String stderr) {}

    /** Runs and requires exit status 0. */
    public String run() {
        Result r = runAllowingFailure();
        if (r.exitCode() != 0) throw failure(r);
        return r.stdout();
    }

    public StorageException failure(Result r) {
        String err = r.stderr().strip();
        if (err.isEmpty()) err = r.stdout().strip();
        return new StorageException("command '" + String.join(" ", argv) + "' failed with exit status "
                + r.exitCode() + (err.isEmpty() ? "" : ": " + err));
    }

    public Result runAllowingFailure() {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new StorageException("cannot run '" + String.join(" ", argv) + "': " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new StorageException("command '" + String.join(" ", argv) + "' timed out after " + timeout
                        + " and was killed");
            }
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while running '" + String.join(" ", argv) + "'", e);
        } catch (ExecutionException e) {
            throw new StorageException("cannot read output of '" + String.join(" ", argv) + "'", e.getCause());
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
