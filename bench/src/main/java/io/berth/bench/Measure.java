package io.berth.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs external commands and times them; the same runner measures Berth and raw lxc-*, so its
 *  own fork/exec cost is in both figures and cancels out of the ratio. */
final class Measure {
    private Measure() {}

    /** One timed external command; fails loudly, because a benchmark of a failing command lies. */
    static double runMillis(List<String> cmd) {
        long t0 = System.nanoTime();
        int rc;
        String out;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes());
            rc = p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (rc != 0) {
            throw new IllegalStateException("command failed (exit " + rc + "): " + String.join(" ", cmd) + "\n" + out);
        }
        return ms;
    }

    static void run(List<String> cmd) {
        runMillis(cmd);
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
