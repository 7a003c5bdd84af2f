package io.berth.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external commands and times them; the same runner measures Berth and raw lxc-*, so its
 *  own fork/exec cost is in both figures and cancels out of the ratio. */
final class Measure {
    private Measure() {}

    /** No command of the benchmark takes this long unless it hangs. */
    static final long TIMEOUT_SECONDS = 120;

    /** A command line and the environment variables it gets on top of ours. */
    record Cmd(List<String> argv, Map<String, String> env) {
        Cmd {
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
        }

        Cmd(List<String> argv) {
            this(argv, Map.of());
        }

        @Override public String toString() {
            return String.join(" ", argv);
        }
    }

    /** One timed external command; fails loudly, because a benchmark of a failing command lies. */
    static double runMillis(Cmd cmd) {
        long t0 = System.nanoTime();
        run(cmd);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Runs {@code cmd} to completion and returns its stdout and stderr; throws when it fails or hangs. */
    static String run(Cmd cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd.argv()).redirectErrorStream(true);
            pb.environment().putAll(cmd.env());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("command hung for " + TIMEOUT_SECONDS + " s: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("command failed (exit " + p.exitValue() + "): " + cmd + "\n" + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Best effort, for clean-up: never throws. */
    static void quiet(Cmd cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd.argv()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(cmd.env());
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (IOException e) {
            // clean-up goes on with the next item
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n == 0 ? Double.NaN : (n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2);
    }

    /** Times {@code body} {@code runs} times after {@code warmup} untimed runs; {@code setup} and
     *  {@code teardown} run around every iteration, untimed. */
    static List<Double> repeat(int warmup, int runs, Runnable setup, TimedBody body, Runnable teardown) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < warmup + runs; i++) {
            setup.run();
            double ms;
            try {
                ms = body.run();
            } finally {
                teardown.run();
            }
            if (i >= warmup) out.add(ms);
        }
        return out;
    }

    @FunctionalInterface
    interface TimedBody {
        double run();
    }
}
