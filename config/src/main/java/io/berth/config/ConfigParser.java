package io.berth.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Proxmox container config format the way Proxmox does: {@code key: value} lines, {@code #} description
 * lines ({@code %}-encoded, see {@link DescriptionText}), raw {@code lxc.*} keys ({@code lxc.key: value} or
 * {@code lxc.key = value}; {@code lxc.environment.runtime} lines become the {@code env} key), {@code [snapname]}
 * snapshot sections and the {@code [pve:pending]} section (Berth's older {@code [PENDING]} too) with its
 * {@code delete} list.
 *
 * <p>{@link #read} is lenient like Proxmox: a value that does not validate, an unknown key or a refused raw key is
 * kept with a warning (and fails only the operation that needs it, see {@link ContainerConfig#problems()});
 * a line that is no entry at all is skipped with a warning. {@link #parse} is the strict form for text that
 * Berth itself produced or was handed to create: any warning is an error.
 */
public final class ConfigParser {
    private ConfigParser() {}

    /** The pending section's name as Proxmox writes it. */
    public static final String PENDING = "pve:pending";
    /** The pending section's name in files Berth wrote before; read, never written. */
    public static final String LEGACY_PENDING = "PENDING";

    private static final Pattern PENDING_HEADER = Pattern.compile("\\[pve:pending]\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern SECTION = Pattern.compile("\\[([a-z][a-z0-9_\\-]+)]\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern COMMENT = Pattern.compile("#(.*)");
    private static final Pattern RAW = Pattern.compile("(lxc\\.[a-z0-9_\\-.]+)(?::|\\s*=)\\s*(.*?)\\s*");
    private static final Pattern DESCRIPTION = Pattern.compile("(description):\\s*(.*\\S)\\s*");
    private static final Pattern SNAPSTATE = Pattern.compile("snapstate:\\s*(prepare|delete)\\s*$");
    private static final Pattern DELETE = Pattern.compile("delete:\\s*(.*\\S)\\s*");
    private static final Pattern KV = Pattern.compile("([a-z][a-z_]*\\d*):\\s*(.+?)\\s*");
    private static final Pattern INTEGER = Pattern.compile("\\d+");

    /** One section being collected. */
    private static final class Section {
        final String name;
        final Map<String, String> values = new LinkedHashMap<>();
        final List<RawLxc> raw = new ArrayList<>();
        final List<String> env = new ArrayList<>();
        final List<String> deletes = new ArrayList<>();
        final Map<String, Integer> lines = new LinkedHashMap<>();
        final StringBuilder descr = new StringBuilder();

        Section(String name) { this.name = name; }

        boolean pending() { return name.equals(PENDING); }
    }

    /** Strict: every warning is an error ({@link ConfigException} listing all of them). */
    public static ConfigFile parse(String file, String text) {
        ParsedConfig p = read(file, text);
        if (!p.warnings().isEmpty()) throw new ConfigException(p.warnings());
        return p.config();
    }

    public static ParsedConfig read(String file, String text) {
        return read(file, text.getBytes(StandardCharsets.UTF_8), text);
    }

    public static ParsedConfig read(String file, byte[] raw) {
        return read(file, raw, new String(raw, StandardCharsets.UTF_8));
    }

    /** SHA-1 hex of the raw file, as Proxmox's {@code digest}. */
    public static String digest(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    private static ParsedConfig read(String file, byte[] raw, String text) {
        List<ConfigError> warnings = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Section main = new Section("");
        Section pending = null;
        LinkedHashMap<String, Section> snaps = new LinkedHashMap<>();
        Section cur = main;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) continue;
            // Each pattern below is tried only when the line can match it (its fixed start, or "snapstate:" anywhere for
            // the one that is searched): a plain "key: value" line tried all eight in turn, and berthd parses a config
            // on every start, interpreted. Which pattern takes a line is unchanged.
            char first = line.charAt(0);
            boolean bracketOrHash = first == '[' || first == '#' || Character.isWhitespace(first);
            if (bracketOrHash && (PENDING_HEADER.matcher(line).matches() || line.strip().equals("[" + LEGACY_PENDING + "]"))) {
                if (pending != null) warnings.add(new ConfigError(file, lineNo, "[" + PENDING + "]", null,
                        "section appears twice; the later one is used"));
                cur = pending = new Section(PENDING);
                continue;
            }
            Matcher m;
            if (bracketOrHash && (m = SECTION.matcher(line)).matches()) {
                String name = m.group(1);
                if (snaps.containsKey(name)) warnings.add(new ConfigError(file, lineNo, "[" + name + "]", null,
                        "section appears twice; the later one is used"));
                cur = new Section(name);
                snaps.put(name, cur);
                continue;
            }
            if (bracketOrHash && (m = COMMENT.matcher(line)).matches()) {
                cur.descr.append(DescriptionText.decode(m.group(1))).append('\n');
                cur.lines.putIfAbsent("description", lineNo);
                continue;
            }
            if (line.startsWith("lxc.") && (m = RAW.matcher(line)).matches()) {
                String key = m.group(1);
                String value = m.group(2);
                if (key.equals("lxc.environment.runtime")) {
                    cur.env.add(value);
                    cur.lines.putIfAbsent("env", lineNo);
                } else {
                    if (LxcKeys.check(key) instanceof LxcKeys.Allowed(Optional<String> note)) {
                        note.ifPresent(n -> notes.add(file + ":" + lineNo + ": " + n));
                    }
                    cur.raw.add(new RawLxc(key, value));
                    cur.lines.putIfAbsent(key, lineNo);
                }
                continue;
            }
            if (line.startsWith("description:") && (m = DESCRIPTION.matcher(line)).matches()) {
                cur.descr.append(DescriptionText.decode(m.group(2)));
                cur.lines.putIfAbsent("description", lineNo);
                continue;
            }
            if (line.contains("snapstate:") && (m = SNAPSTATE.matcher(line)).find()) {
                cur.values.put("snapstate", m.group(1));
                cur.lines.put("snapstate", lineNo);
                continue;
            }
            if (line.startsWith("delete:") && (m = DELETE.matcher(line)).matches()) {
                if (cur.pending()) {
                    cur.deletes.clear();
                    for (String d : m.group(1).split("[,;\\s]+")) if (!d.isEmpty()) cur.deletes.add(d);
                    cur.lines.put("delete", lineNo);
                } else {
                    warnings.add(new ConfigError(file, lineNo, "delete", m.group(1),
                            "'delete' is only allowed in [" + PENDING + "]; line skipped"));
                }
                continue;
            }
            m = KV.matcher(line);
            if (m.matches()) {
                String key = m.group(1);
                if (cur.values.containsKey(key)) warnings.add(new ConfigError(file, lineNo, key, m.group(2),
                        "key appears twice in this section (first on line " + cur.lines.get(key) + "); the later value is used"));
                cur.values.put(key, normalize(key, m.group(2)));
                cur.lines.put(key, lineNo);
                continue;
            }
            warnings.add(new ConfigError(file, lineNo, null, line,
                    "not a config line, skipped; allowed: 'key: value', '#description', 'lxc.key: value', '[section]'"));
        }
        main.values.remove("snapstate");

        ContainerConfig mainConf = build(file, main, warnings);
        Optional<ContainerConfig> pendingConf = pending == null ? Optional.empty() : Optional.of(build(file, pending, warnings));
        LinkedHashMap<String, ContainerConfig> snapConfs = new LinkedHashMap<>();
        snaps.forEach((n, s) -> snapConfs.put(n, build(file, s, warnings)));
        return new ParsedConfig(new ConfigFile(mainConf, pendingConf, snapConfs), digest(raw), warnings, notes);
    }

    /** Booleans to 0/1 and integers without leading zeros, as Proxmox stores them when reading. */
    private static String normalize(String key, String value) {
        Optional<ConfigKey> decl = Schema.lookup(key);
        if (decl.isEmpty()) return value;
        return switch (decl.get().format()) {
            case ValueFormat.Bool b -> switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "1", "on", "yes", "true" -> "1";
                case "0", "off", "no", "false" -> "0";
                default -> value;
            };
            case ValueFormat.Int n -> INTEGER.matcher(value).matches() && value.length() > 1 && value.startsWith("0")
                    ? value.replaceFirst("^0+(?=.)", "") : value;
            default -> value;
        };
    }

    private static ContainerConfig build(String file, Section s, List<ConfigError> warnings) {
        Map<String, String> values = new LinkedHashMap<>(s.values);
        if (!s.env.isEmpty()) values.put("env", String.join("\0", s.env));
        String d = s.descr.toString();
        int end = d.length();
        while (end > 0 && d.charAt(end - 1) == '\n') end--;
        Optional<String> descr = end == 0 ? Optional.empty() : Optional.of(d.substring(0, end));
        ContainerConfig c = ContainerConfig.lenient(values, s.raw, descr, s.deletes, new ContainerConfig.Locator(file, s.lines));
        for (ConfigError e : c.problems()) {
            String where = s.name.isEmpty() ? "" : " (section [" + s.name + "])";
            warnings.add(new ConfigError(e.file(), e.line(), e.key(), e.value(), e.message() + where));
        }
        return c;
    }
}
