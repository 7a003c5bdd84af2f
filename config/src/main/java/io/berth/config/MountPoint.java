package io.berth.config;

import io.berth.idmap.IdMapException;
import io.berth.idmap.MountIdMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code rootfs} or {@code mpN}: {@code VOLUME[,mp=PATH][,acl=0|1][,backup=0|1][,idmap=...][,keepattrs=0|1]
 * [,mountoptions=opt;opt][,quota=0|1][,replicate=0|1][,ro=0|1][,shared=0|1][,size=SIZE]}.
 */
public record MountPoint(String key, MountSource source, Optional<String> mp, boolean ro, boolean backup,
                         OptionalLong sizeBytes, List<String> mountOptions, Optional<Boolean> acl, boolean quota,
                         boolean replicate, boolean shared, boolean keepattrs, Optional<MountIdMap> idmap,
                         Set<String> explicitFlags) {

    /** Mount options a user may set; others (e.g. {@code suid} tricks, {@code dev}) are refused. */
    public static final List<String> ALLOWED_MOUNT_OPTIONS = List.of("discard", "lazytime", "noatime", "nodev", "noexec", "nosuid");

    private static final Set<String> ROOTFS_OPTS = Set.of("volume", "acl", "idmap", "keepattrs", "mountoptions", "quota",
            "replicate", "ro", "shared", "size");
    private static final Set<String> MP_OPTS = Set.of("volume", "mp", "acl", "backup", "idmap", "keepattrs", "mountoptions",
            "quota", "replicate", "ro", "shared", "size");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15}(?:\\.\\d{1,9})?)([KMGT]?)");

    /** The boolean options; one given explicitly ({@code ro=0}) is printed back even at its default, as Proxmox does. */
    private static final List<String> FLAGS = List.of("backup", "keepattrs", "quota", "replicate", "ro", "shared");

    public MountPoint {
        mountOptions = List.copyOf(mountOptions);
        explicitFlags = Set.copyOf(explicitFlags);
    }

    public boolean isRootfs() { return key.equals("rootfs"); }

    /** The path inside the container: {@code /} for rootfs. */
    public String target() { return isRootfs() ? "/" : mp.orElseThrow(); }

    /** {@code rootfs} or a mount point key {@code mpN}: the keys whose value is a volume or a path to mount. */
    public static boolean isVolumeKey(String key) {
        return key.equals("rootfs") || Schema.inFamily("mp", key);
    }

    /** Parses the value of {@code rootfs} or {@code mpN}. */
    public static MountPoint parse(String key, String value) {
        boolean rootfs = key.equals("rootfs");
        Map<String, String> o = PropertyString.parse(value, "volume", rootfs ? ROOTFS_OPTS : MP_OPTS);
        String vol = o.get("volume");
        if (vol == null) throw new ConfigValueException("missing volume; allowed: STORAGE:VOLNAME, STORAGE:SIZE_GB, /host/path, /dev/...");
        MountSource source = MountSource.parse(vol);
        Optional<String> mp = Optional.ofNullable(o.get("mp"));
        if (!rootfs && mp.isEmpty()) throw new ConfigValueException("missing option 'mp' (the path inside the container, e.g. mp=/data)");
        mp.ifPresent(MountPoint::checkTarget);
        List<String> opts = new ArrayList<>();
        if (o.containsKey("mountoptions")) {
            for (String opt : o.get("mountoptions").split(";", -1)) {
                if (!ALLOWED_MOUNT_OPTIONS.contains(opt)) {
                    throw new ConfigValueException("mount option '" + opt + "' is not allowed; allowed: " + ALLOWED_MOUNT_OPTIONS
                            + " separated by ';'");
                }
                opts.add(opt);
            }
        }
        Optional<MountIdMap> idmap = Optional.empty();
        if (o.containsKey("idmap")) {
            try {
                idmap = Optional.of(MountIdMap.parse(o.get("idmap")));
            } catch (IdMapException e) {
                throw new ConfigValueException(e.getMessage());
            }
        }
        OptionalLong size = o.containsKey("size") ? OptionalLong.of(parseSize(o.get("size"))) : OptionalLong.empty();
        return new MountPoint(key, source, mp,
                flag(o, "ro", false), rootfs || flag(o, "backup", false), size, opts,
                o.containsKey("acl") ? Optional.of(PropertyString.bool("acl", o.get("acl"))) : Optional.empty(),
                flag(o, "quota", false), flag(o, "replicate", true), flag(o, "shared", false),
                flag(o, "keepattrs", false), idmap, FLAGS.stream().filter(o::containsKey).collect(java.util.stream.Collectors.toSet()));
    }

    private static boolean flag(Map<String, String> o, String k, boolean dflt) {
        String v = o.get(k);
        return v == null ? dflt : PropertyString.bool(k, v);
    }

    private static void checkTarget(String p) {
        if (!p.startsWith("/")) throw new ConfigValueException("mp '" + p + "' must be an absolute path inside the container");
        for (String part : p.split("/")) {
            if (part.equals("..")) throw new ConfigValueException("mp '" + p + "' must not contain '..'");
        }
        if (p.equals("/")) throw new ConfigValueException("mp '/' is the rootfs; mount points need another path");
    }

    /** Proxmox disk sizes: a number with optional unit K, M, G or T (powers of 1024); no unit means bytes. */
    public static long parseSize(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) throw new ConfigValueException("size '" + s + "' is invalid; allowed: a number with optional unit K, M, G or T, e.g. 8G");
        double n = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        double bytes = Math.ceil(n * (1L << shift));
        if (bytes > (1L << 62)) throw new ConfigValueException("size '" + s + "' is too large; at most 4096T");
        return (long) bytes;
    }

    /** The shortest exact form: {@code 8G}, {@code 512M}, {@code 1536M}, or plain bytes. */
    public static String formatSize(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes != 0 && bytes % unit == 0) return (bytes / unit) + units[i];
        }
        return Long.toString(bytes);
    }

    /**
     * The property string as Proxmox's print_property_string makes it: volume, then the required mp, then the other
     * options alphabetically; options at their default only if they were given explicitly.
     */
    public String format() {
        Map<String, String> o = new LinkedHashMap<>();
        mp.ifPresent(p -> o.put("mp", p));
        acl.ifPresent(a -> o.put("acl", PropertyString.bit(a)));
        if ((backup || explicitFlags.contains("backup")) && !isRootfs()) o.put("backup", PropertyString.bit(backup));
        idmap.ifPresent(m -> o.put("idmap", m.format()));
        if (keepattrs || explicitFlags.contains("keepattrs")) o.put("keepattrs", PropertyString.bit(keepattrs));
        if (!mountOptions.isEmpty()) o.put("mountoptions", String.join(";", mountOptions));
        if (quota || explicitFlags.contains("quota")) o.put("quota", PropertyString.bit(quota));
        if (!replicate || explicitFlags.contains("replicate")) o.put("replicate", PropertyString.bit(replicate));
        if (ro || explicitFlags.contains("ro")) o.put("ro", PropertyString.bit(ro));
        if (shared || explicitFlags.contains("shared")) o.put("shared", PropertyString.bit(shared));
        sizeBytes.ifPresent(s -> o.put("size", formatSize(s)));
        StringBuilder sb = new StringBuilder(source.format());
        o.forEach((k, v) -> sb.append(',').append(k).append('=').append(v));
        return sb.toString();
    }

    public MountPoint withSource(MountSource s) {
        return new MountPoint(key, s, mp, ro, backup, sizeBytes, mountOptions, acl, quota, replicate, shared, keepattrs, idmap,
                explicitFlags);
    }

    public MountPoint withSize(OptionalLong size) {
        return new MountPoint(key, source, mp, ro, backup, size, mountOptions, acl, quota, replicate, shared, keepattrs, idmap,
                explicitFlags);
    }
}
