package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden-directory tests: {@code golden/CASE/input-rootfs/} + {@code spec.properties} -> {@code expected/} (files
 * created or changed), {@code expected-links.txt} (symlinks created, "path -> target") and
 * {@code expected-removed.txt}. Every other file must be left exactly as in the input. Each case is applied twice:
 * the second run must change nothing. Cases with {@code expect-error} must be refused with that message and leave
 * the rootfs untouched. Run with {@code -Dberth.golden.update=true} to rewrite the expectations (then review them).
 */
@Tag("root") // chowns files to container root ids
class GoldenTest {

    static Path goldenDir() {
        String src = System.getProperty("berth.source.root", "..");
        Path p = Path.of(src, "guest/src/test/resources/golden");
        return Files.isDirectory(p) ? p : Path.of("src/test/resources/golden");
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(goldenDir())) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(cases).hasSizeGreaterThanOrEqualTo(12);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> runCase(c)));
    }

    private static void runCase(Path caseDir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(caseDir.resolve("spec.properties"))) {
            p.load(r);
        }
        GuestSpec spec = spec(p);
        Phase phase = Phase.valueOf(p.getProperty("phase", "PRE_START"));
        HostEnv host = new HostEnv(caseDir.resolve("host-resolv.conf"), Optional.of("Europe/Berlin"),
                Optional.empty());
        Path tmp = Files.createTempDirectory("berth-golden-");
        try {
            Path rootfs = tmp.resolve("rootfs");
            Files.createDirectories(rootfs);
            Path input = caseDir.resolve("input-rootfs");
            if (Files.isDirectory(input)) {
                TreeSnapshot.copy(input, rootfs);
            }
            TreeSnapshot before = TreeSnapshot.of(rootfs);

            String error = p.getProperty("expect-error");
            if (error != null) {
                assertThatThrownBy(() -> GuestSetup.apply(rootfs, spec, phase, host))
                        .isInstanceOf(GuestSetupException.class).hasMessageContaining(error);
                assertThat(TreeSnapshot.of(rootfs)).isEqualTo(before);
                return;
            }

            SetupReport first = GuestSetup.apply(rootfs, spec, phase, host);
            TreeSnapshot after = TreeSnapshot.of(rootfs);
            if (Boolean.getBoolean("berth.golden.update")) {
                writeExpectations(caseDir, before, after);
            }
            assertThat(after.entries()).isEqualTo(expectedTree(caseDir, before).entries());
            assertThat(first.detected().ostype()).isEqualTo(p.getProperty("expect-ostype"));

            SetupReport second = GuestSetup.apply(rootfs, spec, phase, host);
            assertThat(second.changed()).as("second run changes nothing").isEmpty();
            assertThat(TreeSnapshot.of(rootfs)).isEqualTo(after);
        } finally {
            TreeSnapshot.deleteTree(tmp);
        }
    }

    /** The input tree with expected/ overlaid, links added and removals applied. */
    private static TreeSnapshot expectedTree(Path caseDir, TreeSnapshot before) throws IOException {
        Map<String, String> m = new TreeMap<>(before.entries());
        TreeSnapshot changed = TreeSnapshot.of(caseDir.resolve("expected"));
        changed.entries().forEach((k, v) -> {
            if (!k.endsWith(".keep")) {
                m.put(k, v);
            }
        });
        for (String line : lines(caseDir.resolve("expected-links.txt"))) {
            String[] kv = line.split(" -> ", 2);
            m.put(kv[0], "-> " + kv[1]);
        }
        for (String line : lines(caseDir.resolve("expected-removed.txt"))) {
            m.remove(line);
        }
        return new TreeSnapshot(m);
    }

    private static List<String> lines(Path f) throws IOException {
        if (!Files.exists(f)) {
            return List.of();
        }
        return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).toList();
    }

    private static void writeExpectations(Path caseDir, TreeSnapshot before, TreeSnapshot after) throws IOException {
        Path exp = caseDir.resolve("expected");
        TreeSnapshot.deleteTree(exp);
        List<String> links = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (var e : after.entries().entrySet()) {
            if (e.getValue().equals(before.entries().get(e.getKey()))) {
                continue;
            }
            if (e.getValue().startsWith("-> ")) {
                links.add(e.getKey() + " " + e.getValue());
            } else {
                Path f = exp.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.write(f, e.getValue().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        for (String k : before.entries().keySet()) {
            if (!after.entries().containsKey(k)) {
                removed.add(k);
            }
        }
        writeList(caseDir.resolve("expected-links.txt"), links);
        writeList(caseDir.resolve("expected-removed.txt"), removed);
    }

    private static void writeList(Path f, List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            Files.deleteIfExists(f);
        } else {
            Files.write(f, lines);
        }
    }

    /** Builds the spec; net lines use Proxmox's netN syntax. */
    static GuestSpec spec(Properties p) {
        List<GuestNet> nets = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            String v = p.getProperty("net" + i);
            if (v != null) {
                Map<String, String> kv = new LinkedHashMap<>();
                for (String part : v.split(",")) {
                    String[] x = part.split("=", 2);
                    kv.put(x[0].strip(), x[1].strip());
                }
                nets.add(GuestNet.of(kv.get("name"), kv.get("ip"), kv.get("gw"), kv.get("ip6"), kv.get("gw6")));
            }
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String k = p.getProperty("sshkey." + i);
            if (k != null) {
                keys.add(k);
            }
        }
        String ns = p.getProperty("nameserver", "").strip();
        return new GuestSpec(p.getProperty("hostname"),
                Optional.ofNullable(p.getProperty("searchdomain")),
                ns.isEmpty() ? List.of() : List.of(ns.split("\\s+")),
                nets,
                Optional.ofNullable(p.getProperty("timezone")),
                Optional.ofNullable(p.getProperty("password")),
                keys,
                p.getProperty("ostype", ""),
                0, 0);
    }
}
