package io.berth.ct;

import io.berth.ct.template.BusyboxTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** One busybox template per test JVM, shared by every test of this module. */
public final class TestTemplates {
    private static Path busybox;

    private TestTemplates() {}

    public static synchronized Path busybox() {
        if (busybox == null) {
            try {
                Path dir = Path.of(System.getProperty("java.io.tmpdir"), "berth-ct-test-templates-" + ProcessHandle.current().pid());
                busybox = BusyboxTemplate.host().build(dir, true).archive();
                dir.toFile().deleteOnExit();
                busybox.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return busybox;
    }
}
