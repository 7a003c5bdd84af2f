package io.berth.cli.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * What a test needs to run {@code bin/berth} (and so berthd) on a root of its own in {@code tmp}: the launcher, the
 * root and the environment that points the launcher at copies of this build's jar and native client (another build in
 * this tree may replace them while berthd runs from them), without the AOT cache.
 */
public record TestBerthd(Path launcher, Path root, Map<String, String> env) {

    public static TestBerthd in(Path tmp) throws IOException {
        Path source = Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath().normalize();
        Path build = Path.of(System.getProperty("berth.build.dir", "target"));
        Path jar = Files.copy(build.resolve("berth.jar"), tmp.resolve("berth.jar"));
        Path client = Files.copy(build.resolve("berth-client"), tmp.resolve("berth-client"), StandardCopyOption.COPY_ATTRIBUTES);
        return new TestBerthd(source.resolve("bin/berth"), tmp.resolve("root"), Map.of("BERTH_JAR", jar.toString(),
                "BERTH_CLIENT", client.toString(), "BERTH_AOT", tmp.resolve("no-aot").toString(), "JAVA_HOME", System.getProperty("java.home")));
    }
}
