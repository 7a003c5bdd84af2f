package io.berth.config;

import io.berth.idmap.IdMapException;
import io.berth.idmap.MountIdMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Pure application of {@code set}/{@code delete} requests to a config, validating everything first. */
public final class ConfigChanges {
    private ConfigChanges() {}

    /** Keys maintained by snapshot operations, never set by hand. */
    public static final Set<String> SNAPSHOT_KEYS = Set.of("parent", "snaptime", "snapstate", "vmstate");

    /** Keys that cannot be deleted. */
    public static final Set<String> REQUIRED_KEYS = Set.of("rootfs");

    /**
     * Applies {@code set} (key to value) and {@code delete} to the main section, or to the pending section if
     * {@code toPending}. Values are normalized (booleans to 0/1, property strings to their canonical form).
     * Applying to main also drops those keys from pending; applying to pending records deletes in its delete
     * list. All errors are collected and thrown together as a {@link ConfigException}.
     */
    public static ConfigFile applyChanges(ConfigFile file, Map<String, String> set, List<String> delete, boolean toPending) {
        List<ConfigError> errors = new ArrayList<>();
        Map<String, String> normalized = new LinkedHashMap<>();
        set.forEach((k, v) -> {
            try {
                normalized.put(k, normalize(k, v));
            } catch (ConfigValueException e) {
                errors.add(new ConfigError("", 0, k, v, e.getMessage()));
            }
        });
        for (String d : delete) {
            if (set.containsKey(d)) errors.add(new ConfigError("", 0, d, null, "cannot both set and delete a key"));
            else if (REQUIRED_KEYS.contains(d)) errors.add(new ConfigError("", 0, d, null, "cannot delete a required key"));
            else if (SNAPSHOT_KEYS.contains(d)) errors.add(new ConfigError("", 0, d, null, "managed by snapshot operations"));
            else if (!d.equals("description") && Schema.lookup(d).isEmpty()) {
                errors.add(new ConfigError("", 0, d, null, "unknown key; see 'berth help' for the keys"));
            }
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);

        ContainerConfig main = file.main();
        ContainerConfig pending = file.pending().orElse(ContainerConfig.empty());
        if (toPending) {
            List<String> deletes = new ArrayList<>(pending.deletes());
            for (Map.Entry<String, String> e : normalized.entrySet()) {
                pending = pending.with(e.getKey(), e.getValue());
                deletes.removeIf(d -> d.equals(e.getKey()) || d.equals("!" + e.getKey()));
            }
            for (String d : delete) {
                pending = pending.without(d);
                if (!deletes.contains(d)) deletes.add(d);
            }
            pending = pending.withDeletes(deletes);
        } else {
            List<String> deletes = new ArrayList<>(pending.deletes());
            for (Map.Entry<String, String> e : normalized.entrySet()) {
                main = main.with(e.getKey(), e.getValue());
                pending = pending.without(e.getKey());
                deletes.removeIf(d -> d.equals(e.getKey()) || d.equals("!" + e.getKey()));
            }
            for (String d : delete) {
                main = main.without(d);
                pending = pending.without(d);
                deletes.removeIf(x -> x.equals(d) || x.equals("!" + d));
            }
            pending = pending.withDeletes(deletes);
        }
        ConfigFile out = file.withMain(main).withPending(Optional.of(pending));
        checkMountIdmaps(out.withPendingApplied());
        return out;
    }

    /** Mount-point idmaps must only name container ids the container's id map maps. */
    static void checkMountIdmaps(ContainerConfig c) {
        List<ConfigError> errors = new ArrayList<>();
        for (MountPoint mp : c.allMountPoints()) {
            if (mp.idmap().isEmpty()) continue;
            MountIdMap m = mp.idmap().get();
            try {
                MountIdMap.diskToHost(m, c.idmap());
            } catch (IdMapException e) {
                errors.add(new ConfigError("", 0, mp.key(), c.get(mp.key()).orElse(""), e.getMessage()));
            }
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
    }

    /** Validates and canonicalizes one value. */
    public static String normalize(String key, String value) {
        if (SNAPSHOT_KEYS.contains(key)) throw new ConfigValueException("managed by snapshot operations, cannot be set");
        if (key.startsWith("lxc.")) throw new ConfigValueException("raw lxc.* keys cannot be set here; edit the config file");
        String v = key.equals("description") ? value : value.strip();
        Optional<ConfigError> bad = ContainerConfig.checkValue(key, v);
        if (bad.isPresent()) throw new ConfigValueException(bad.get().message());
        ConfigKey decl = Schema.lookup(key).orElseThrow();
        return switch (decl.format()) {
            case ValueFormat.Bool b -> PropertyString.bit(PropertyString.bool(key, v));
            case ValueFormat.Structured s -> switch (decl.name()) {
                case "rootfs", "mp" -> MountPoint.parse(key, v).format();
                case "net" -> NetConfig.parse(v).format();
                case "dev" -> DevConfig.parse(v).format();
                case "features" -> Features.parse(v).format().isEmpty() ? v : Features.parse(v).format();
                case "startup" -> Startup.parse(v).format();
                default -> v;
            };
            default -> v;
        };
    }
}
