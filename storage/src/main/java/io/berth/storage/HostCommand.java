package io.berth.storage;

import io.berth.error.HostFailureException;
import io.berth.sys.ProcessRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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

    /** Runs to completion through {@link ProcessRunner} (output drained concurrently, the tool and its children killed at the timeout). */
    public Result runAllowingFailure() {
        ProcessRunner runner = ProcessRunner.of(argv).timeout(timeout).env("LC_ALL", "C");
        env.forEach(runner::env);
        try {
            ProcessRunner.Result r = runner.run();
            return new Result(r.exitCode(), r.stdout(), r.stderr());
        } catch (HostFailureException e) {
            // the storage layer's callers tell a storage failure by its type
            throw new StorageException(e.getMessage(), e);
        }
    }
}
