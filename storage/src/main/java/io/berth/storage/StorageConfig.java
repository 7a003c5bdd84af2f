package io.berth.storage;

import io.berth.error.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Proxmox {@code storage.cfg}: sections {@code TYPE: ID} followed by indented {@code key value} lines,
 * separated by blank lines; {@code #} lines are comments. Printing is canonical: properties in a fixed
 * order, defaults left out, content sorted, so print(parse(print(x))) == print(x).
 */
public record StorageConfig(List<StorageDef> storages) {
    public static final String DEFAULT_ID = "local";

    private static final Pattern HEADER = Pattern.compile("(\\S+):\\s*(\\S+)\\s*");
    private static final Pattern PROPERTY = Pattern.compile("\\s+(\\S+)(?:\\s+(.*\\S))?\\s*");
    private static final Pattern NODE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?");
    private static final Pattern VG_NAME = Pattern.compile("[a-zA-Z0-9+_.][a-zA-Z0-9+_.-]*");
    private static final Set<ContentType> DIR_CONTENT = EnumSet.complementOf(EnumSet.noneOf(ContentType.class));
    private static final Set<ContentType> LVM_CONTENT = EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR);
    private static final Set<ContentType> DEFAULT_CONTENT = EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR);
    private static final Map<String, List<String>> KEYS = Map.of(
            "dir", List.of("path", "content", "shared", "disable", "nodes", "mkdir", "is_mountpoint", "prune-backups"),
            "btrfs", List.of("path", "content", "disable", "nodes", "is_mountpoint", "quotas", "prune-backups"),
            "lvmthin", List.of("vgname", "thinpool", "content", "disable", "nodes"));

    public StorageConfig {
        storages = List.copyOf(storages);
        var seen = new java.util.HashSet<String>();
        for (StorageDef s : storages)
            if (!seen.add(s.id())) throw new StorageException("duplicate storage id '" + s.id() + "'");
    }

    public Optional<StorageDef> find(String id) {
        return storages.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    public StorageDef get(String id) {
        return find(id).orElseThrow(() -> new NotFoundException("unknown storage '" + id + "': configured storages are "
                + storages.stream().map(StorageDef::id).collect(Collectors.joining(", "))));
    }

    /** The embedded default: {@code dir: local} at {@code dir} with content images,rootdir,vztmpl,backup. */
    public static StorageConfig defaultConfig(Path dir) {
        return new StorageConfig(List.of(new StorageDef.Dir(DEFAULT_ID, dir,
                EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR, ContentType.VZTMPL, ContentType.BACKUP),
                false, false, List.of(), true, Optional.empty(), Optional.empty())));
    }

    public static StorageConfig load(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    /** Loads {@code storageCfg}, or the embedded default {@code local} dir storage if the file does not exist. */
    public static StorageConfig loadOrDefault(Path storageCfg, Path defaultLocalDir) {
        try {
            return load(storageCfg);
        } catch (NoSuchFileException e) {
            return defaultConfig(defaultLocalDir);
        } catch (IOException e) {
            throw new StorageException("cannot read " + storageCfg + ": " + e.getMessage(), e);
        }
    }

    public static StorageConfig parse(String text, String file) {
        List<StorageDef> result = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            String line = lines[i];
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                i++;
                continue;
            }
            int headerLine = i + 1;
            Matcher h = HEADER.matcher(line);
            if (Character.isWhitespace(line.charAt(0)) || !h.matches())
                throw new StorageConfigException(file, headerLine, "section header", line.strip(),
                        "'TYPE: ID' with TYPE one of " + String.join(", ", KEYS.keySet().stream().sorted().toList()));
            String type = h.group(1), id = h.group(2);
            if (!KEYS.containsKey(type))
                throw new StorageConfigException(file, headerLine, "storage type", type,
                        String.join(", ", KEYS.keySet().stream().sorted().toList()));
            if (!VolumeId.STORAGE_ID.matcher(id).matches())
                throw new StorageConfigException(file, headerLine, "storage id", id,
                        "a letter, then letters, digits, '-', '_' or '.', ending in a letter or digit");
            if (result.stream().anyMatch(s -> s.id().equals(id)))
                throw new StorageConfigException(file, headerLine, "storage id", id, "an id not used by another section");
            i++;
            Map<String, Prop> props = new LinkedHashMap<>();
            while (i < lines.length && !lines[i].isBlank() && Character.isWhitespace(lines[i].charAt(0))) {
                String pl = lines[i];
                i++;
                if (pl.stripLeading().startsWith("#")) continue;
                Matcher p = PROPERTY.matcher(pl);
                if (!p.matches())
                    throw new StorageConfigException(file, i, "property line", pl.strip(), "'key value'");
                String key = p.group(1);
                if (!KEYS.get(type).contains(key))
                    throw new StorageConfigException(file, i, "key for " + type + " storage '" + id + "'", key,
                            String.join(", ", KEYS.get(type)));
                if (props.containsKey(key))
                    throw new StorageConfigException(file, i, "key", key, "each key once per section");
                props.put(key, new Prop(key, p.group(2), i));
            }
            result.add(new Section(file, type, id, headerLine, props).build());
        }
        return new StorageConfig(result);
    }

    private record Prop(String key, String value, int line) {}

    private record Section(String file, String type, String id, int line, Map<String, Prop> props) {
        StorageDef build() {
            return switch (type) {
                case "dir" -> new StorageDef.Dir(id, path(), content(DIR_CONTENT), bool("shared", false),
                        bool("disable", false), nodes(), bool("mkdir", true), raw("is_mountpoint"), raw("prune-backups"));
                case "btrfs" -> new StorageDef.Btrfs(id, path(), content(DIR_CONTENT), bool("disable", false), nodes(),
                        raw("is_mountpoint"), bool("quotas", false), raw("prune-backups"));
                case "lvmthin" -> new StorageDef.LvmThin(id, vgName("vgname"), vgName("thinpool"), content(LVM_CONTENT),
                        bool("disable", false), nodes());
                default -> throw new IllegalStateException(type); // filtered by KEYS before
            };
        }

        private StorageConfigException bad(Prop p, String allowed) {
            return new StorageConfigException(file, p.line(), p.key(), p.value() == null ? "" : p.value(), allowed);
        }

        private Prop required(String key, String allowed) {
            Prop p = props.get(key);
            if (p == null)
                throw new StorageConfigException(file, line, key, "", "a value (" + key + " is required for "
                        + type + " storage '" + id + "'): " + allowed);
            if (p.value() == null) throw bad(p, allowed);
            return p;
        }

        private Path path() {
            Prop p = required("path", "an absolute path");
            if (!p.value().startsWith("/") || p.value().contains("\0")) throw bad(p, "an absolute path");
            return Path.of(p.value()).normalize();
        }

        private String vgName(String key) {
            Prop p = required(key, "an LVM name of letters, digits, '+', '_', '.', '-'");
            if (!VG_NAME.matcher(p.value()).matches() || p.value().equals(".") || p.value().equals(".."))
                throw bad(p, "an LVM name of letters, digits, '+', '_', '.', '-' not starting with '-'");
            return p.value();
        }

        private boolean bool(String key, boolean dflt) {
            Prop p = props.get(key);
            if (p == null) return dflt;
            if (p.value() == null) return true; // a bare flag line means 1
            return switch (p.value()) {
                case "1", "yes", "on", "true" -> true;
                case "0", "no", "off", "false" -> false;
                default -> throw bad(p, "0, 1, yes, no, on, off, true or false");
            };
        }

        private Optional<String> raw(String key) {
            Prop p = props.get(key);
            if (p == null) return Optional.empty();
            if (p.value() == null) throw bad(p, "a value");
            return Optional.of(p.value());
        }

        private List<String> nodes() {
            Prop p = props.get("nodes");
            if (p == null) return List.of();
            if (p.value() == null) throw bad(p, "a comma separated list of node names");
            List<String> nodes = Arrays.stream(p.value().split("[,;\\s]+")).filter(s -> !s.isEmpty()).toList();
            for (String n : nodes)
                if (!NODE.matcher(n).matches())
                    throw bad(p, "a comma separated list of node names (letters, digits, '-'); bad node '" + n + "'");
            return nodes;
        }

        private Set<ContentType> content(Set<ContentType> allowedTypes) {
            Prop p = props.get("content");
            if (p == null) return DEFAULT_CONTENT;
            String allowed = allowedTypes.stream().map(ContentType::key).sorted().collect(Collectors.joining(","))
                    + " or none";
            if (p.value() == null) throw bad(p, allowed);
            Set<ContentType> result = EnumSet.noneOf(ContentType.class);
            for (String c : p.value().split(",")) {
                c = c.strip();
                if (c.equals("none")) continue;
                Optional<ContentType> ct = ContentType.of(c);
                if (ct.isEmpty() || !allowedTypes.contains(ct.get()))
                    throw new StorageConfigException(file, p.line(), "content type for " + type + " storage '" + id + "'",
                            c, allowed);
                result.add(ct.get());
            }
            return result;
        }
    }

    /** Canonical text: {@code TYPE: ID}, then tab-indented properties, sections separated by a blank line. */
    public String print() {
        StringBuilder sb = new StringBuilder();
        for (StorageDef s : storages) {
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(s.type()).append(": ").append(s.id()).append('\n');
            switch (s) {
                case StorageDef.Dir d -> {
                    prop(sb, "path", d.path().toString());
                    prop(sb, "content", content(d.content()));
                    if (d.shared()) prop(sb, "shared", "1");
                    if (!d.mkdir()) prop(sb, "mkdir", "0");
                    d.isMountpoint().ifPresent(v -> prop(sb, "is_mountpoint", v));
                    d.pruneBackups().ifPresent(v -> prop(sb, "prune-backups", v));
                }
                case StorageDef.Btrfs b -> {
                    prop(sb, "path", b.path().toString());
                    prop(sb, "content", content(b.content()));
                    if (b.quotas()) prop(sb, "quotas", "1");
                    b.isMountpoint().ifPresent(v -> prop(sb, "is_mountpoint", v));
                    b.pruneBackups().ifPresent(v -> prop(sb, "prune-backups", v));
                }
                case StorageDef.LvmThin l -> {
                    prop(sb, "thinpool", l.thinpool());
                    prop(sb, "vgname", l.vgname());
                    prop(sb, "content", content(l.content()));
                }
            }
            if (!s.nodes().isEmpty()) prop(sb, "nodes", String.join(",", s.nodes()));
            if (s.disable()) prop(sb, "disable", "1");
        }
        return sb.toString();
    }

    private static void prop(StringBuilder sb, String key, String value) {
        sb.append('\t').append(key).append(' ').append(value).append('\n');
    }

    private static String content(Set<ContentType> content) {
        if (content.isEmpty()) return "none";
        return content.stream().map(ContentType::key).sorted(Comparator.naturalOrder()).collect(Collectors.joining(","));
    }
}
