package io.berth.ct.template;

import io.berth.ct.CtException;
import io.berth.storage.Storages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds template archives: a host path, or a volume id {@code STORAGE:vztmpl/NAME} in a storage's template cache. */
public final class Templates {
    private static final Pattern VOLID = Pattern.compile("([a-zA-Z][a-zA-Z0-9\\-_.]*[a-zA-Z0-9]):vztmpl/([^/]+)");

    private Templates() {}

    public static TemplateArchive resolve(String spec, Storages storages) {
        Matcher m = VOLID.matcher(spec);
        Path path;
        if (m.matches()) {
            Path dir = storages.templateDir(Optional.of(m.group(1))).orElseThrow(() -> new io.berth.error.InvalidInputException("ostemplate",
                    "template '" + spec + "': storage '" + m.group(1) + "' has no 'vztmpl' content"));
            path = dir.resolve(m.group(2));
        } else if (spec.contains(":") && !spec.startsWith("/")) {
            throw new io.berth.error.InvalidInputException("ostemplate", "template '" + spec + "' is invalid: allowed are a path to a .tar.{gz,xz,zst} file or "
                    + "a volume id STORAGE:vztmpl/NAME");
        } else {
            path = Path.of(spec).toAbsolutePath();
        }
        if (!Files.isRegularFile(path)) throw new io.berth.error.NotFoundException("template '" + spec + "' not found (" + path + ")");
        return TemplateArchive.of(path);
    }

    /** The template cache dir of {@code storage} (or the first storage with vztmpl content when empty). */
    public static Path templateDir(Storages storages, Optional<String> storage) {
        return storages.templateDir(storage).orElseThrow(() -> storage.isPresent()
                ? new io.berth.error.InvalidInputException("storage", "storage '" + storage.get() + "' has no 'vztmpl' content")
                : new CtException("no enabled storage has 'vztmpl' content"));
    }
}
