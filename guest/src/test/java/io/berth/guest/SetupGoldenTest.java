package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden guest set-ups, one directory per case under src/test/resources/setup: {@code config} (the container
 * config), {@code phase} ({@code create} or {@code start}), {@code rootfs/} (the guest files before), {@code prepare}
 * (lines {@code link PATH TARGET}, {@code exec PATH}, {@code dir PATH}: what git cannot hold), optional
 * {@code password}, {@code ssh-keys}, {@code host-resolv.conf}; {@code expected/} holds every file as it must be
 * afterwards ({@code @TODAY@} is today's day number, as /etc/shadow stores it) and {@code expected-links} lines
 * {@code PATH -> TARGET} or {@code PATH absent}. Each case runs twice: the second run must change nothing.
 * {@code -Dberth.golden.update=true} writes the files the first run changed into expected/ (review them!).
 */
@Tag("root")
class SetupGoldenTest {
    static final Path DIR = Path.of("src/test/resources/setup");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void setupWritesWhatProxmoxWritesAndIsIdempotent(String name) throws Exception {
        Path c = DIR.resolve(name);
        Path tmp = Files.createTempDirectory("berth-golden-" + name + "-");
        try {
            Path rootfs = tmp.resolve("rootfs");
            Files.createDirectories(rootfs);
            if (Files.isDirectory(c.resolve("rootfs"))) {
                TreeSnapshot.copy(c.resolve("rootfs"), rootfs);
            }
            prepare(c, rootfs);
            Path resolv = tmp.resolve("host-resolv.conf");
            Files.writeString(resolv, read(c, "host-resolv.conf").orElse(""));
            HostEnv host = new HostEnv(resolv, Optional.of("Europe/Vienna"), Optional.empty());
            GuestSpec spec = new GuestSpec(ConfigParser.parse(name + "/config", Files.readString(c.resolve("config"))).main(),
                    read(c, "password").map(String::strip), read(c, "ssh-keys"), 0, 0);
            Phase phase = read(c, "phase").map(String::strip).orElse("create").equals("start") ? Phase.PRE_START : Phase.CREATE;

            SetupReport first = GuestSetup.apply(rootfs, spec, phase, host);
            TreeSnapshot after = TreeSnapshot.of(rootfs);
            if (Boolean.getBoolean("berth.golden.update")) {
                update(c, rootfs, first);
            }
            SetupReport second = GuestSetup.apply(rootfs, spec, phase, host);
            assertThat(second.changed()).as("second run of %s changed files", name).isEmpty();
            assertThat(TreeSnapshot.of(rootfs)).isEqualTo(after);

            String today = Long.toString(LocalDate.now(ZoneOffset.UTC).toEpochDay());
            Path exp = c.resolve("expected");
            List<Path> files;
            try (Stream<Path> s = Files.walk(exp)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            assertThat(files).as("expected files of %s", name).isNotEmpty();
            for (Path f : files) {
                String rel = exp.relativize(f).toString();
                Path actual = rootfs.resolve(rel);
                assertThat(actual).as("%s: /%s", name, rel).exists();
                assertThat(Files.readString(actual)).as("%s: /%s", name, rel)
                        .isEqualTo(Files.readString(f).replace("@TODAY@", today));
            }
            for (String line : read(c, "expected-links").map(t -> t.lines().toList()).orElse(List.of())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] w = line.strip().split("\\s+");
                Path p = rootfs.resolve(w[0].substring(1));
                if (w[1].equals("absent")) {
                    assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).as("%s: %s absent", name, w[0]).isFalse();
                } else {
                    assertThat(Files.isSymbolicLink(p)).as("%s: %s is a symlink", name, w[0]).isTrue();
                    assertThat(Files.readSymbolicLink(p).toString()).as("%s: %s", name, w[0]).isEqualTo(w[2]);
                }
            }
        } finally {
            TreeSnapshot.deleteTree(tmp);
        }
    }

    private static void prepare(Path c, Path rootfs) throws IOException {
        for (String line : read(c, "prepare").map(t -> t.lines().toList()).orElse(List.of())) {
            String[] w = line.strip().split("\\s+");
            if (w.length < 2) {
                continue;
            }
            Path p = rootfs.resolve(w[1].substring(1));
            Files.createDirectories(p.getParent());
            switch (w[0]) {
                case "link" -> Files.createSymbolicLink(p, Path.of(w[2]));
                case "exec" -> {
                    Files.writeString(p, "#!/bin/sh\n");
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                case "dir" -> Files.createDirectories(p);
                default -> throw new IllegalArgumentException(c + "/prepare: unknown '" + w[0] + "'");
            }
        }
    }

    private static void update(Path c, Path rootfs, SetupReport first) throws IOException {
        List<String> links = new ArrayList<>();
        for (String path : first.changed()) {
            if (path.endsWith("/") || path.endsWith(" (removed)")) {
                continue;
            }
            Path p = rootfs.resolve(path.substring(1));
            if (Files.isSymbolicLink(p)) {
                links.add(path + " -> " + Files.readSymbolicLink(p));
            } else if (Files.isRegularFile(p)) {
                Path out = c.resolve("expected").resolve(path.substring(1));
                Files.createDirectories(out.getParent());
                String today = Long.toString(LocalDate.now(ZoneOffset.UTC).toEpochDay());
                Files.writeString(out, Files.readString(p).replace(":" + today + ":", ":@TODAY@:"));
            }
        }
        for (String path : first.changed()) {
            if (path.endsWith(" (removed)")) {
                links.add(path.replace(" (removed)", "") + " absent");
            }
        }
        if (!links.isEmpty()) {
            Files.writeString(c.resolve("expected-links"), String.join("\n", links) + "\n");
        }
    }

    private static Optional<String> read(Path c, String name) throws IOException {
        Path p = c.resolve(name);
        return Files.exists(p) ? Optional.of(Files.readString(p)) : Optional.empty();
    }

    @org.junit.jupiter.api.Test
    void suseVersionsAcceptedAsProxmoxAcceptsThem() throws IOException {
        for (String ok : List.of("ID=opensuse\nVERSION_ID=\"13.2\"", "ID=opensuse\nVERSION_ID=\"42.3\"",
                "ID=\"opensuse-leap\"\nVERSION_ID=\"15.6\"", "ID=\"sles\"\nVERSION_ID=\"12.5\"", "ID=\"sles\"\nVERSION_ID=\"15.4\"",
                "ID=\"opensuse-tumbleweed\"\nVERSION_ID=\"20240512\"", "ID=opensuse-leap\nVERSION_ID=\"16.0\"")) {
            assertThat(detect(ok).distro()).as(ok).isEqualTo(Distro.OPENSUSE);
        }
        for (String bad : List.of("ID=opensuse\nVERSION_ID=\"13.3\"", "ID=opensuse\nVERSION_ID=\"12.3\"",
                "ID=\"opensuse-tumbleweed\"\nVERSION_ID=\"20160101\"", "ID=opensuse\nVERSION_ID=\"tumbleweed\"",
                // read as Proxmox reads os-release: an unquoted value stops at the dot
                "ID=opensuse-leap\nVERSION_ID=16.0")) {
            assertThatThrownBy(() -> detect(bad)).as(bad).isInstanceOf(GuestSetupException.class).hasMessageContaining("suse");
        }
    }

    private static Detected detect(String osRelease) throws IOException {
        Path tmp = Files.createTempDirectory("berth-suse-");
        try {
            Files.createDirectories(tmp.resolve("etc"));
            Files.writeString(tmp.resolve("etc/os-release"), osRelease + "\n");
            return GuestSetup.detect(tmp);
        } finally {
            TreeSnapshot.deleteTree(tmp);
        }
    }
}
