package io.berth.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.error.HostFailureException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {
    @Test void capturesStdoutAndStderrSeparately() {
        var r = ProcessRunner.of("sh", "-c", "echo out; echo err >&2; exit 3").run();
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThatThrownBy(r::orThrow).isInstanceOf(HostFailureException.class)
                .hasMessage("sh -c echo out; echo err >&2; exit 3 failed (exit code 3): err");
    }

    @Test void feedsStdinAndEnvironment() {
        var r = ProcessRunner.of("sh", "-c", "cat; echo $BERTH_T").input("in\n").env("BERTH_T", "v").run().orThrow();
        assertThat(r.stdout()).isEqualTo("in\nv\n");
    }

    @Test void killsWhatOutlivesItsTimeoutWithItsChildren() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ProcessRunner.of("sh", "-c", "sleep 30 & sleep 30").timeout(Duration.ofMillis(300)).run())
                .isInstanceOf(HostFailureException.class).hasMessageContaining("did not finish within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test void aMissingToolIsNamed() {
        assertThatThrownBy(() -> ProcessRunner.of("berth-no-such-tool").run())
                .isInstanceOf(HostFailureException.class).hasMessageContaining("cannot run berth-no-such-tool");
    }

    @Test void keepsTheTailOfHugeOutput() {
        var r = ProcessRunner.of("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo END").run().orThrow();
        assertThat(r.stdout()).startsWith("[...]").endsWith("END\n");
        assertThat(r.stdout().length()).isLessThanOrEqualTo(ProcessRunner.MAX_CAPTURE + 10);
    }
}
