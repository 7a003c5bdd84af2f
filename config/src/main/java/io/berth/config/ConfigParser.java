package io.berth.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the Proxmox container config format: {@code key: value} lines, {@code #} description lines,
 * raw {@code lxc.*} keys ({@code lxc.key: value} or {@code lxc.key = value}), {@code [snapname]} snapshot sections
 * and the {@code [PENDING]} section with its {@code delete} list. Collects every error before failing.
 */
public final class ConfigParser {
    private ConfigParser() {}

    public static final String PENDING = "PENDING";
    private static final Pattern SECTION = Pattern.compile("\\[([a-zA-Z][a-zA-Z0-9_\\-]{1,39})]");
    private static final Pattern RAW = Pattern.compile("(lxc\\.[a-z0-9_\\-.]+)(?::|\\s*=)\\s*(.*?)\\s*");
    private static final Pattern KV = Pattern.compile("([a-z][a-z_\\-]*\\d*):\\s*(.*?)\\s*");

    /** One section being collected. */
    private static final class Section {
        final String name;
        final Map<String, String> values = new LinkedHashMap<>();
        final List<RawLxc> raw = new ArrayList<>();
        final List<String> deletes = new ArrayList<>();
        final Map<String, Integer> lines = new LinkedHashMap<>();
        StringBuilder descr;
        int descrLine;

        Section(String name) { this.name = name; }
    }

    public static ConfigFile parse(String file, String text) {
        List<ConfigError> errors = new ArrayList<>();
        List<Section> sections = new ArrayList<>();
        Section cur = new Section("");
        sections.add(cur);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) continue;
            if (line.startsWith("#")) {
                if (cur.descr == null) {
                    cur.descr = new StringBuilder();
                    cur.descrLine = lineNo;
                } else {
                    cur.descr.append('\n');
                }
                cur.descr.append(line, 1, line.length());
                continue;
            }
            Matcher m = SECTION.matcher(line.strip());
            if (m.matches()) {
                String name = m.group(1);
                if (sections.stream().anyMatch(s -> s.name.equals(name))) {
                    errors.add(new ConfigError(file, lineNo, "[" + name + "]", null, "section appears twice"));
                }
                cur = new Section(name);
                sections.add(cur);
                continue;
            }
            if (line.startsWith("[")) {
                errors.add(new ConfigError(file, lineNo, line, null,
                        "invalid section header; allowed: [PENDING] or [SNAPNAME] with SNAPNAME matching [a-zA-Z][a-zA-Z0-9_-]{1,39}"));
                continue;
            }
            m = RAW.matcher(line);
            if (m.matches()) {
                RawLxc r = new RawLxc(m.group(1), m.group(2));
                ContainerConfig.checkRaw(r).ifPresent(e -> errors.add(at(file, lineNo, e)));
                cur.raw.add(r);
                cur.lines.putIfAbsent(r.key(), lineNo);
                continue;
            }
            m = KV.matcher(line);
            if (!m.matches()) {
                errors.add(new ConfigError(file, lineNo, null, line,
                        "not a config line; allowed: 'key: value', '#description', 'lxc.key: value', '[section]'"));
                continue;
            }
            String key = m.group(1);
            String value = m.group(2);
            if (key.equals("delete") && cur.name.equals(PENDING)) {
                for (String d : value.split("[,; ]+")) {
                    if (d.isEmpty()) continue;
                    Optional<ConfigError> bad = ContainerConfig.checkDelete(d);
                    if (bad.isPresent()) errors.add(at(file, lineNo, bad.get()));
                    else cur.deletes.add(d);
                }
                continue;
            }
            if (key.equals("description")) {
                if (cur.descr != null) {
                    errors.add(new ConfigError(file, lineNo, key, value, "description given both as '#' lines and as key"));
                } else {
                    cur.descr = new StringBuilder(value);
                    cur.descrLine = lineNo;
                }
                continue;
            }
            if (cur.values.containsKey(key)) {
                errors.add(new ConfigError(file, lineNo, key, value, "key appears twice in this section (first on line "
                        + cur.lines.get(key) + ")"));
                continue;
            }
            Optional<ConfigError> bad = ContainerConfig.checkValue(key, value);
            if (bad.isPresent()) {
                errors.add(at(file, lineNo, bad.get()));
                continue;
            }
            cur.values.put(key, value);
            cur.lines.put(key, lineNo);
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);

        ContainerConfig main = null;
        Optional<ContainerConfig> pending = Optional.empty();
        LinkedHashMap<String, ContainerConfig> snaps = new LinkedHashMap<>();
        for (Section s : sections) {
            if (!s.deletes.isEmpty() && !s.name.equals(PENDING)) throw new AssertionError("deletes outside pending");
            ContainerConfig c;
            try {
                c = ContainerConfig.of(s.values, s.raw, Optional.ofNullable(s.descr).map(StringBuilder::toString), s.deletes);
            } catch (ConfigException e) {
                for (ConfigError err : e.errors()) {
                    int line = s.lines.getOrDefault(err.key(), 0);
                    errors.add(new ConfigError(file, line, err.key(), err.value(),
                            err.message() + (s.name.isEmpty() ? "" : " (section [" + s.name + "])")));
                }
                continue;
            }
            if (s.name.isEmpty()) main = c;
            else if (s.name.equals(PENDING)) pending = Optional.of(c);
            else snaps.put(s.name, c);
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
        return new ConfigFile(main, pending, snaps);
    }

    private static ConfigError at(String file, int line, ConfigError e) {
        return new ConfigError(file, line, e.key(), e.value(), e.message());
    }
}
