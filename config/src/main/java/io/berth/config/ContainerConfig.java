package io.berth.config;

import io.berth.idmap.IdMap;
import io.berth.idmap.IdMapException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One section of a container config (main, pending or a snapshot): validated values by key, the raw
 * {@code lxc.*} entries in file order, the description, and, for the pending section, the keys to delete.
 * Immutable; {@link #with}/{@link #without} return validated copies.
 */
public final class ContainerConfig {
    private static final ContainerConfig EMPTY = new ContainerConfig(Map.of(), List.of(), Optional.empty(), List.of(), Locator.NONE);

    /** Where the entries came from, so problems found later still name the file and line. */
    record Locator(String file, Map<String, Integer> lines) {
        static final Locator NONE = new Locator("", Map.of());

        Locator {
            lines = Map.copyOf(lines);
        }

        ConfigError at(ConfigError e) {
            return new ConfigError(file, lines.getOrDefault(e.key(), 0), e.key(), e.value(), e.message());
        }
    }

    private final Map<String, String> values;
    private final List<RawLxc> lxcRaw;
    private final Optional<String> description;
    private final List<String> deletes;
    private final Locator locator;
    private final Map<String, ConfigError> problems;

    private ContainerConfig(Map<String, String> values, List<RawLxc> lxcRaw, Optional<String> description, List<String> deletes,
                            Locator locator) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.lxcRaw = List.copyOf(lxcRaw);
        this.description = description;
        this.deletes = List.copyOf(deletes);
        this.locator = locator;
        this.problems = Collections.unmodifiableMap(findProblems(values, lxcRaw, description, deletes, locator));
    }

    public static ContainerConfig empty() { return EMPTY; }

    /** A validated section; every invalid entry is reported. */
    public static ContainerConfig of(Map<String, String> values, List<RawLxc> lxcRaw, Optional<String> description, List<String> deletes) {
        ContainerConfig c = new ContainerConfig(values, lxcRaw, description, deletes, Locator.NONE);
        if (!c.problems.isEmpty()) throw new ConfigException(List.copyOf(c.problems.values()));
        return c;
    }

    /**
     * A section as read from a file: entries that do not validate are kept (and printed back unchanged) and listed in
     * {@link #problems()}; the typed accessor that needs such an entry throws its problem.
     */
    static ContainerConfig lenient(Map<String, String> values, List<RawLxc> lxcRaw, Optional<String> description, List<String> deletes,
                                   Locator locator) {
        return new ContainerConfig(values, lxcRaw, description, deletes, locator);
    }

    private static Map<String, ConfigError> findProblems(Map<String, String> values, List<RawLxc> lxcRaw, Optional<String> description,
                                                         List<String> deletes, Locator loc) {
        Map<String, ConfigError> out = new LinkedHashMap<>();
        values.forEach((k, v) -> checkValue(k, v).ifPresent(e -> out.put(k, loc.at(e))));
        for (RawLxc r : lxcRaw) {
            if (out.containsKey(r.key())) continue;
            Optional<ConfigError> e = checkRaw(r);
            if (e.isEmpty() && LxcKeys.check(r.key()) instanceof LxcKeys.Refused(String reason)) {
                e = Optional.of(new ConfigError("", 0, r.key(), r.value(), reason));
            }
            e.ifPresent(x -> out.put(r.key(), loc.at(x)));
        }
        description.flatMap(d -> checkValue("description", d)).ifPresent(e -> out.put("description", loc.at(e)));
        for (String d : deletes) checkDelete(d).ifPresent(e -> out.putIfAbsent("delete", loc.at(e)));
        if (out.keySet().stream().noneMatch(k -> isIdmapKey(k) || k.equals("unprivileged"))) {
            try {
                idmapOf(values, lxcRaw).validate();
            } catch (IdMapException e) {
                String first = lxcRaw.stream().map(RawLxc::key).filter(ContainerConfig::isIdmapKey).findFirst().orElse("lxc.idmap");
                out.put(first, loc.at(new ConfigError("", 0, first, null, e.getMessage())));
            }
        }
        return out;
    }

    Locator locator() { return locator; }

    /** Entries that did not validate when read, each naming file, line, key, value and what is allowed. */
    public List<ConfigError> problems() { return List.copyOf(problems.values()); }

    /** Throws the problem of {@code key} if it has one. */
    public void requireValid(String key) {
        ConfigError e = problems.get(key);
        if (e != null) throw new ConfigException(e);
    }

    /** A copy after a change made by a program or user: it may keep problems it had, but must not add any. */
    private ContainerConfig changed(Map<String, String> v, List<RawLxc> raw, Optional<String> d, List<String> del) {
        ContainerConfig c = new ContainerConfig(v, raw, d, del, locator);
        List<ConfigError> added = new ArrayList<>();
        c.problems.forEach((k, e) -> {
            if (!e.equals(problems.get(k))) added.add(e);
        });
        if (!added.isEmpty()) throw new ConfigException(added);
        return c;
    }

    static Optional<ConfigError> checkValue(String key, String value) {
        if (key.equals("description")) {
            if (value.contains("\r") || value.contains("\0")) {
                return Optional.of(new ConfigError("", 0, key, value, "must not contain CR or NUL characters"));
            }
        } else if (key.equals("env")) {
            if (value.contains("\n") || value.contains("\r")) {
                return Optional.of(new ConfigError("", 0, key, value, "must not contain line breaks"));
            }
        } else if (value.contains("\n") || value.contains("\r") || value.contains("\0")) {
            return Optional.of(new ConfigError("", 0, key, value, "must not contain line breaks or NUL characters"));
        } else if (!value.equals(value.strip())) {
            return Optional.of(new ConfigError("", 0, key, value, "must not start or end with white space"));
        }
        try {
            Schema.check(key, value);
            return Optional.empty();
        } catch (ConfigValueException e) {
            return Optional.of(new ConfigError("", 0, key, value, e.getMessage()));
        }
    }

    static Optional<ConfigError> checkRaw(RawLxc r) {
        if (!r.key().matches("lxc\\.[a-z0-9_\\-.]+")) {
            return Optional.of(new ConfigError("", 0, r.key(), r.value(), "raw LXC keys look like lxc.name.subname ([a-z0-9_.-])"));
        }
        if (r.value().contains("\n") || r.value().contains("\r") || r.value().contains("\0") || !r.value().equals(r.value().strip())) {
            return Optional.of(new ConfigError("", 0, r.key(), r.value(), "must be one line without surrounding white space"));
        }
        if (isIdmapKey(r.key())) {
            try {
                IdMap.parseLxcValue(r.value());
            } catch (IdMapException e) {
                return Optional.of(new ConfigError("", 0, r.key(), r.value(), e.getMessage()));
            }
        }
        return Optional.empty();
    }

    static Optional<ConfigError> checkDelete(String d) {
        String k = d.startsWith("!") ? d.substring(1) : d;
        if (Schema.lookup(k).isEmpty() && !k.startsWith("lxc.")) {
            return Optional.of(new ConfigError("", 0, "delete", d, "'" + k + "' is not a config key; allowed: config keys, optionally prefixed with '!' (force)"));
        }
        return Optional.empty();
    }

    static boolean isIdmapKey(String key) { return key.equals("lxc.idmap") || key.equals("lxc.id_map"); }

    // ---- generic access

    /** The raw string of a key ({@code description} included), as stored, valid or not. */
    public Optional<String> get(String key) {
        if (key.equals("description")) return description;
        return Optional.ofNullable(values.get(key));
    }

    /** The value of a key after checking it has no problem (see {@link #problems()}). */
    public Optional<String> getValid(String key) {
        requireValid(key);
        return get(key);
    }

    /** Keys with values (without description), in natural print order. */
    public List<String> keys() {
        List<String> ks = new ArrayList<>(values.keySet());
        ks.sort(NaturalOrder.INSTANCE);
        return ks;
    }

    /** All values in natural key order (without description), valid or not. */
    public SortedMap<String, String> values() {
        TreeMap<String, String> m = new TreeMap<>(NaturalOrder.INSTANCE);
        m.putAll(values);
        return Collections.unmodifiableSortedMap(m);
    }

    public Optional<String> description() { return description; }

    /** Raw lxc.* entries for LXC; throws the problem of a refused or malformed one. */
    public List<RawLxc> lxcRaw() {
        List<ConfigError> bad = problems.entrySet().stream().filter(e -> e.getKey().startsWith("lxc.")).map(Map.Entry::getValue).toList();
        if (!bad.isEmpty()) throw new ConfigException(bad);
        return lxcRaw;
    }

    /** Raw lxc.* entries exactly as stored, for printing the file back. */
    public List<RawLxc> lxcRawAsStored() { return lxcRaw; }

    /** Pending section only: keys to delete at the next apply, a leading '!' meaning force. */
    public List<String> deletes() { return deletes; }

    public boolean isEmpty() { return values.isEmpty() && lxcRaw.isEmpty() && description.isEmpty() && deletes.isEmpty(); }

    /** A copy with {@code key} set; validated, throws {@link ConfigException} naming key, value and what is allowed. */
    public ContainerConfig with(String key, String value) {
        if (key.equals("description")) return withDescription(Optional.of(value));
        if (key.startsWith("lxc.")) {
            throw new ConfigException(new ConfigError("", 0, key, value, "raw lxc.* keys are set with withLxcRaw, not as values"));
        }
        checkValue(key, value).ifPresent(e -> { throw new ConfigException(e); });
        Map<String, String> m = new LinkedHashMap<>(values);
        m.put(key, value);
        return changed(m, lxcRaw, description, deletes);
    }

    public ContainerConfig without(String key) {
        if (key.equals("description")) return withDescription(Optional.empty());
        if (!values.containsKey(key)) return this;
        Map<String, String> m = new LinkedHashMap<>(values);
        m.remove(key);
        return changed(m, lxcRaw, description, deletes);
    }

    public ContainerConfig withDescription(Optional<String> d) {
        d.flatMap(x -> checkValue("description", x)).ifPresent(e -> { throw new ConfigException(e); });
        return changed(values, lxcRaw, d, deletes);
    }

    public ContainerConfig withLxcRaw(List<RawLxc> raw) { return changed(values, raw, description, deletes); }

    public ContainerConfig withDeletes(List<String> ds) { return changed(values, lxcRaw, description, ds); }

    // ---- typed access (each throws the entry's problem if it did not validate when read)

    public OptionalInt memory() { return intValue("memory"); }

    public OptionalInt swap() { return intValue("swap"); }

    public OptionalInt cores() { return intValue("cores"); }

    public OptionalInt cpuunits() { return intValue("cpuunits"); }

    public OptionalDouble cpulimit() {
        return getValid("cpulimit").map(v -> OptionalDouble.of(Double.parseDouble(v))).orElse(OptionalDouble.empty());
    }

    /** Number of ttys, default 2. */
    public int tty() { return intValue("tty").orElse(2); }

    public Optional<String> hostname() { return getValid("hostname"); }

    public Optional<String> ostype() { return getValid("ostype"); }

    /** Default amd64. */
    public String arch() { return getValid("arch").orElse("amd64"); }

    public Optional<String> nameserver() { return getValid("nameserver"); }

    public Optional<String> searchdomain() { return getValid("searchdomain"); }

    public Optional<String> timezone() { return getValid("timezone"); }

    /** Default tty. */
    public String cmode() { return getValid("cmode").orElse("tty"); }

    public Optional<String> lock() { return getValid("lock"); }

    public Optional<String> hookscript() { return getValid("hookscript"); }

    public Optional<String> entrypoint() { return getValid("entrypoint"); }

    public Optional<String> parent() { return getValid("parent"); }

    public OptionalLong snaptime() {
        return getValid("snaptime").map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
    }

    public Optional<String> snapstate() { return getValid("snapstate"); }

    /** The volume holding a snapshot's saved RAM state (Proxmox VMs; kept for containers' configs as written). */
    public Optional<String> vmstate() { return getValid("vmstate"); }

    /** {@code NAME=VALUE} entries passed to the container's init ({@code lxc.environment.runtime} in the file). */
    public List<String> env() {
        return getValid("env").map(e -> List.of(e.split("\0+")).stream().filter(x -> !x.isEmpty()).toList()).orElse(List.of());
    }

    /** Tags split on ';', ',' or space. */
    public List<String> tags() {
        return get("tags").map(t -> List.of(t.split("[;, ]+"))).orElse(List.of());
    }

    public boolean unprivileged() { return flag("unprivileged", false); }

    public boolean onboot() { return flag("onboot", false); }

    public boolean protection() { return flag("protection", false); }

    public boolean template() { return flag("template", false); }

    public boolean debug() { return flag("debug", false); }

    /** Default true. */
    public boolean console() { return flag("console", true); }

    public Optional<MountPoint> rootfs() { return getValid("rootfs").map(v -> MountPoint.parse("rootfs", v)); }

    /** The mount point of {@code rootfs} or {@code mpN}. */
    public Optional<MountPoint> mountPoint(String key) { return getValid(key).map(v -> MountPoint.parse(key, v)); }

    public SortedMap<Integer, MountPoint> mountPoints() { return indexed("mp", v -> null, true); }

    public SortedMap<Integer, NetConfig> nets() { return indexed("net", NetConfig::parse, false); }

    public SortedMap<Integer, DevConfig> devices() { return indexed("dev", DevConfig::parse, false); }

    public SortedMap<Integer, String> unused() { return indexed("unused", v -> v, false); }

    public Features features() { return getValid("features").map(Features::parse).orElse(Features.NONE); }

    public Optional<Startup> startup() { return getValid("startup").map(Startup::parse); }

    /** rootfs first, then mp0, mp1, ... in index order: the mount order. */
    public List<MountPoint> allMountPoints() {
        List<MountPoint> out = new ArrayList<>();
        rootfs().ifPresent(out::add);
        out.addAll(mountPoints().values());
        return out;
    }

    /** Explicit {@code lxc.idmap} entries, else the unprivileged default if unprivileged, else empty (privileged). */
    public IdMap idmap() {
        List<ConfigError> bad = problems.entrySet().stream().filter(e -> isIdmapKey(e.getKey()) || e.getKey().equals("unprivileged"))
                .map(Map.Entry::getValue).toList();
        if (!bad.isEmpty()) throw new ConfigException(bad);
        return idmapOf(values, lxcRaw);
    }

    private static IdMap idmapOf(Map<String, String> values, List<RawLxc> raw) {
        List<String> explicit = raw.stream().filter(r -> isIdmapKey(r.key())).map(RawLxc::value).toList();
        if (!explicit.isEmpty()) return IdMap.parseLxcIdmaps(explicit);
        String u = values.get("unprivileged");
        return u != null && PropertyString.bool("unprivileged", u) ? IdMap.unprivilegedDefault() : IdMap.empty();
    }

    private OptionalInt intValue(String k) {
        return getValid(k).map(v -> OptionalInt.of(Integer.parseInt(v))).orElse(OptionalInt.empty());
    }

    private boolean flag(String k, boolean dflt) { return getValid(k).map(v -> PropertyString.bool(k, v)).orElse(dflt); }

    @SuppressWarnings("unchecked")
    private <T> SortedMap<Integer, T> indexed(String prefix, Function<String, T> parse, boolean mount) {
        ConfigKey decl = Schema.lookup(prefix + "0").orElseThrow();
        TreeMap<Integer, T> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (decl.matches(k)) requireValid(k);
            if (decl.matches(k)) out.put(decl.index(k), mount ? (T) MountPoint.parse(k, v) : parse.apply(v));
        });
        return Collections.unmodifiableSortedMap(out);
    }

    @Override public boolean equals(Object o) {
        return o instanceof ContainerConfig c && c.values.equals(values) && c.lxcRaw.equals(lxcRaw)
                && c.description.equals(description) && c.deletes.equals(deletes);
    }

    @Override public int hashCode() { return values.hashCode() * 31 + lxcRaw.hashCode(); }

    @Override public String toString() { return "ContainerConfig" + values() + lxcRaw + description + deletes; }
}
