package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random and mutated configs: the parser only ever reports {@link ConfigException}; what it accepts round-trips. */
class ConfigFuzzTest {
    private static final List<String> SEEDS;
    private static final List<String> FRAGMENTS = List.of(":", ",", "=", ";", "[", "]", "#", "\n", "\r", " ", "\0", "/", "..",
            "mp0", "mp999", "net31", "lxc.idmap", "u 0 0 ", "idmap=", "passthrough", "u:0:0:1", "size=", "G", "T", "99999999999999999999",
            "-1", "PENDING", "delete", "!", "dev0", "/dev/", "local:", "é", "\u2028", "\u0085", "0x10", "1e9", "nan", "ip=", "::");

    static {
        try (var s = Files.list(Path.of("src/test/resources/golden"))) {
            SEEDS = s.filter(p -> p.toString().endsWith(".conf")).sorted().map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Provide Arbitrary<String> mutated() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            StringBuilder sb = new StringBuilder(SEEDS.get(r.nextInt(SEEDS.size())));
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                int pos = sb.isEmpty() ? 0 : r.nextInt(sb.length() + 1);
                switch (r.nextInt(4)) {
                    case 0 -> sb.insert(pos, FRAGMENTS.get(r.nextInt(FRAGMENTS.size())));
                    case 1 -> { if (pos < sb.length()) sb.deleteCharAt(pos); }
                    case 2 -> { if (pos < sb.length()) sb.setCharAt(pos, (char) r.nextInt(128)); }
                    default -> {
                        int end = Math.min(sb.length(), pos + r.nextInt(40));
                        String cut = sb.substring(pos, end);
                        sb.delete(pos, end);
                        sb.insert(sb.isEmpty() ? 0 : r.nextInt(sb.length() + 1), cut);
                    }
                }
            }
            return sb.toString();
        });
    }

    @Provide Arbitrary<String> randomText() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(300),
                Arbitraries.of(FRAGMENTS).list().ofMaxSize(60).map(l -> String.join("", l)));
    }

    @Property(tries = 3000)
    void mutatedConfigsOnlyFailWithConfigException(@ForAll("mutated") String text) { check(text); }

    @Property(tries = 1500)
    void randomTextOnlyFailsWithConfigException(@ForAll("randomText") String text) { check(text); }

    private static void check(String text) {
        ConfigFile f;
        try {
            f = ConfigParser.parse("fuzz.conf", text);
        } catch (ConfigException expected) {
            assertThat(expected.errors()).isNotEmpty();
            return;
        }
        String printed = ConfigPrinter.print(f);
        ConfigFile again = ConfigParser.parse("printed", printed);
        assertThat(again).isEqualTo(f);
        assertThat(ConfigPrinter.print(again)).isEqualTo(printed);
        // typed access of an accepted config never throws
        for (ContainerConfig c : List.of(f.main(), f.withPendingApplied())) {
            c.allMountPoints();
            c.nets();
            c.devices();
            c.features();
            c.startup();
            c.idmap();
            c.memory();
            c.cpulimit();
        }
    }
}
