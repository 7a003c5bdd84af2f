package io.berth.ct.hotplug;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads every class of the given packages now. Code that runs on a namespace thread inside a
 * container's mount namespace sees the container's filesystem: a class first needed there cannot be
 * read from a class directory (or a jar not yet opened) and fails with NoClassDefFoundError, typically
 * only on an error path. Loading does not initialize, so no static initializer runs early.
 */
final class ClassPreload {
    private ClassPreload() {}

    /** Loads all classes in the packages of {@code anchors}, from their directory or jar. */
    static void packagesOf(Class<?>... anchors) {
        for (Class<?> anchor : anchors) {
            String pkg = anchor.getPackageName();
            ClassLoader cl = anchor.getClassLoader();
            for (String name : classNames(anchor, pkg)) {
                try {
                    Class.forName(name, false, cl);
                } catch (ClassNotFoundException | LinkageError e) {
                    // listed but not loadable (e.g. module-info): nothing to preload
                }
            }
        }
    }

    private static List<String> classNames(Class<?> anchor, String pkg) {
        List<String> out = new ArrayList<>();
        String dir = pkg.replace('.', '/');
        try {
            Path loc = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(loc)) {
                try (Stream<Path> s = Files.list(loc.resolve(dir))) {
                    s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
                            .forEach(n -> out.add(pkg + "." + n.substring(0, n.length() - 6)));
                }
            } else {
                try (JarFile jar = new JarFile(loc.toFile())) {
                    for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
                        String n = en.nextElement().getName();
                        if (n.startsWith(dir + "/") && n.endsWith(".class") && n.indexOf('/', dir.length() + 1) < 0) {
                            out.add(n.substring(0, n.length() - 6).replace('/', '.'));
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // unknown code source: fall back to what is already loaded
        }
        return out;
    }
}
