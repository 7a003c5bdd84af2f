package io.berth.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// a pty read blocks in native code: a separate thread lets a hung child fail the test instead of the build
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PtyTest {
    /** The child opens the slave after setsid (with default signal dispositions even where the test runner was started
     * with SIGINT ignored, as a background job of a script is), so the pty is its controlling terminal (job control, Ctrl-C). */
    private static Process spawn(Pty pty, String script) throws Exception {
        return new ProcessBuilder(List.of("setsid", "env", "--default-signal", "sh", "-c", "exec \"$@\" <>\"$0\" >&0 2>&0", pty.slavePath(),
                "sh", "-c", script))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
    }

    private static String readUntil(Pty pty, String marker) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!out.toString(StandardCharsets.UTF_8).contains(marker)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + marker + "' within 20 s; read: " + out);
            int n = pty.read(buf);
            if (n < 0) break;
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void childSeesSizeInputUtf8AndResize() throws Exception {
        try (Pty pty = Pty.open(100, 30)) {
            assertThat(pty.slavePath()).startsWith("/dev/pts/");
            Process p = spawn(pty, "stty size; echo ready; read x; echo \"got:$x\"; stty size; echo done");
            assertThat(readUntil(pty, "ready")).contains("30 100");
            pty.resize(120, 40);
            pty.write("h\u00e9\u2603\n".getBytes(StandardCharsets.UTF_8), 0, "h\u00e9\u2603\n".getBytes(StandardCharsets.UTF_8).length);
            String rest = readUntil(pty, "done");
            assertThat(rest).contains("got:h\u00e9\u2603").contains("40 120");
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void ctrlCInterruptsTheForegroundProcess() throws Exception {
        try (Pty pty = Pty.open(80, 24)) {
            Process p = spawn(pty, "trap 'echo caught-int; exit 7' INT; echo armed; while :; do sleep 0.1; done");
            readUntil(pty, "armed");
            pty.write(new byte[]{3}, 0, 1);
            assertThat(readUntil(pty, "caught-int")).contains("caught-int");
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(7);
        }
    }

    @Test
    void closingTheMasterHangsUpTheChild() throws Exception {
        Pty pty = Pty.open(80, 24);
        Process p = spawn(pty, "echo up; while :; do sleep 0.1; done");
        readUntil(pty, "up");
        pty.close();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("SIGHUP ends the session").isTrue();
    }

    @Test
    void badSizeIsRejected() {
        try (Pty pty = Pty.open(80, 24)) {
            assertThatThrownBy(() -> pty.resize(0, 24)).hasMessageContaining("0x24");
        }
    }
}
