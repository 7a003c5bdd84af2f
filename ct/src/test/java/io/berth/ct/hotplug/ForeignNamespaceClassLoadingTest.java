package io.berth.ct.hotplug;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import io.berth.sys.Fd;
import io.berth.sys.Namespaces;
import io.berth.sys.NsType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code on a namespace thread inside a container's mount namespace can use classes that were never loaded
 * before, although the class directories of this test run are not visible there (Namespaces preloads).
 */
@Tag("root")
class ForeignNamespaceClassLoadingTest {
    @TempDir
    static Path tmp;
    @RegisterExtension
    static final BusyboxContainer.PerClass shared = BusyboxContainer.perClass();

    private static BusyboxContainer ct() { return shared.get(); }

    @Test
    void classesFirstNeededInsideTheContainerLoad() throws Exception {
        Path classDir = Path.of(ForeignNamespaceClassLoadingTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classDir).isDirectory();
        try (RunningContainer rc = ct().pin(); Fd ns = rc.namespace(NsType.MNT)) {
            long t0 = System.nanoTime();
            String where = Namespaces.inMountNamespace(ns, () -> {
                // the test's class directory is not there: only a preloaded class can be used
                if (Files.exists(classDir)) throw new IllegalStateException(classDir + " is visible in the container");
                return InsideOnlyProbe.where();
            });
            System.out.println("first inMountNamespace (with class path preload): " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertThat(where).isEqualTo("container");
            RuntimeException thrown = null;
            try {
                Namespaces.inMountNamespace(ns, InsideOnlyProbe::fail);
            } catch (RuntimeException e) {
                thrown = e;
            }
            assertThat(thrown).isNotNull().hasMessage("from inside");
            assertThat(thrown.getClass().getSimpleName()).isEqualTo("Thrown");
        }
    }
}
