package io.berth.ct.hotplug;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Used only by {@link ForeignNamespaceClassLoadingTest} from code that runs inside a container's mount
 * namespace. A top-level class on purpose: JUnit loads a test's nested classes during discovery, which would
 * hide a class loading failure.
 */
final class InsideOnlyProbe {
    private InsideOnlyProbe() {}

    static String where() {
        return Files.exists(Path.of("/etc/alpine-release")) ? "container" : "host";
    }

    static String fail() {
        // an exception type first needed inside, as on an error path
        throw new Thrown("from inside");
    }

    static final class Thrown extends RuntimeException {
        Thrown(String m) {
            super(m);
        }
    }
}
