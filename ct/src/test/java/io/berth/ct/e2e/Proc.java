package io.berth.ct.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a host command with a bounded time; output goes through files so a chatty child can never block on a pipe. */
final class Proc {
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Proc() {}

    record Result(List<String> argv, int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        /** Fails with the command, its exit code and both outputs when it did not succeed. */
        Result check() {
            if (exit != 0) throw new AssertionError(describe());
            return this;
        }

        String describe() {
            return String.join(" ", argv) + " -> exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(List<String> argv, Map<String, String> env, Duration timeout) {
        Path out = null, err = null;
        try {
            out = Files.createTempFile("berth-e2e-out-", ".txt");
            err = Files.createTempFile("berth-e2e-err-", ".txt");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("PATH", PATH);
            pb.environment().put("LC_ALL", "C");
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Result(argv, -1, Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8) + "\n(timed out after " + timeout + ")\n");
            }
            return new Result(argv, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", argv) + ": interrupted", e);
        } finally {
            for (Path f : new Path[] {out, err}) {
                try {
                    if (f != null) Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    static Result run(String... argv) {
        return run(List.of(argv), Map.of(), Duration.ofSeconds(30));
    }
}
