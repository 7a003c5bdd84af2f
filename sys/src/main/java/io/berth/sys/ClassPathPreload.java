package io.berth.sys;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Makes class loading independent of the filesystem a thread sees. A namespace thread inside a container's
 * mount namespace resolves paths against the container's {@code /}: a class the JVM first needs there
 * (often only on an error path, e.g. an exception type) cannot be read from a class directory and fails
 * with NoClassDefFoundError. Jar entries are read through the jar's already open file, so jars are safe
 * once opened; the JDK's own classes come from the already mapped runtime image.
 *
 * <p>So before the first entry into a foreign mount namespace, {@link #ensure()} opens every jar on the
 * class path (a lookup of a missing resource walks them all) and loads, without initializing, every class
 * in every class directory on it. In a packaged run (one jar) that is one failed lookup; with class
 * directories (tests, IDE runs) it is a one-time load of the project's own classes. Loading is not
 * initialization: a static initializer that reads host files must still run before entering.
 *
 * <p>Considered and rejected: preloading only the task's package (misses the classes of other modules
 * the task calls, and their exceptions) and resolving the task's constant pool (misses reflection,
 * lambdas and error paths).
 */
public final class ClassPathPreload {
    private ClassPathPreload() {}

    private static volatile boolean done;

    /** Idempotent and thread-safe; cheap after the first call. */
    public static void ensure() {
        if (done) return;
        synchronized (ClassPathPreload.class) {
            if (done) return;
            Set<ClassLoader> loaders = new LinkedHashSet<>();
            loaders.add(ClassLoader.getSystemClassLoader());
            ClassLoader ctx = Thread.currentThread().getContextClassLoader();
            if (ctx != null) loaders.add(ctx);
            loaders.add(ClassPathPreload.class.getClassLoader());
            for (ClassLoader cl : loaders) {
                // opens every jar of this loader's class path, so later lookups never need a path
                cl.getResource("io/berth/sys/.class-path-preload-probe");
                for (Path dir : classDirectories(cl)) loadAll(cl, dir);
            }
            done = true;
        }
    }

    private static List<Path> classDirectories(ClassLoader cl) {
        List<Path> out = new ArrayList<>();
        try {
            for (Enumeration<URL> e = cl.getResources(""); e.hasMoreElements(); ) {
                URL u = e.nextElement();
                if (!"file".equals(u.getProtocol())) continue;
                Path p = Path.of(new URI(u.toString()));
                if (Files.isDirectory(p)) out.add(p);
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // an unreadable class path entry cannot be preloaded; the task may still not need it
        }
        return out;
    }

    private static void loadAll(ClassLoader cl, Path root) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> p.getFileName().toString().endsWith(".class")).forEach(p -> {
                String rel = root.relativize(p).toString();
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                if (!name.endsWith("module-info") && !name.startsWith("META-INF")) names.add(name);
            });
        } catch (IOException | RuntimeException e) {
            return;
        }
        for (String n : names) {
            try {
                Class.forName(n, false, cl);
            } catch (ClassNotFoundException | LinkageError e) {
                // shadowed by another entry or missing an optional dependency: nothing to preload
            }
        }
    }
}
