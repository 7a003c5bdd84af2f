package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigStoreTest {
    @TempDir Path tmp;

    static ConfigFile base() {
        return ConfigFile.of(ContainerConfig.empty().with("hostname", "ct").with("memory", "16").with("rootfs", "local:8"));
    }

    static ConfigFile increment(ConfigFile f) {
        int m = f.main().memory().orElseThrow();
        return f.withMain(f.main().with("memory", Integer.toString(m + 1)));
    }

    @Test void createLoadListDelete() {
        ConfigStore s = new ConfigStore(BerthRoots.resolve(tmp.toString()));
        assertThat(s.list()).isEmpty();
        s.create(100, base());
        s.create(1000, base());
        assertThatThrownBy(() -> s.create(100, base())).hasMessageContaining("already exists");
        assertThat(s.list()).containsExactly(100, 1000);
        assertThat(s.load(100)).isEqualTo(base());
        assertThat(tmp.resolve("etc/lxc/100.conf")).exists();
        s.delete(100);
        assertThat(s.exists(100)).isFalse();
        assertThatThrownBy(() -> s.load(100)).isInstanceOf(NoSuchContainerException.class);
        assertThatThrownBy(() -> s.load(99)).hasMessageContaining("100..999999999");
        try (var ds = Files.list(tmp.resolve("etc/lxc"))) {
            assertThat(ds.map(p -> p.getFileName().toString())).containsExactly("1000.conf"); // no temp files left
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test void entriesThatDoNotValidateSurviveAnUpdateAndAreReportedWithTheDigest() throws Exception {
        ConfigStore s = new ConfigStore(BerthRoots.resolve(tmp.toString()));
        s.create(101, base());
        Path p = tmp.resolve("etc/lxc/101.conf");
        String broken = Files.readString(p) + "memory2: x\nostype: redhat\n";
        Files.writeString(p, broken);
        ParsedConfig read = s.read(101);
        assertThat(read.digest()).isEqualTo(ConfigParser.digest(Files.readAllBytes(p)));
        assertThat(read.warnings()).extracting(ConfigError::toString).containsExactly(
                p + ":4: 'memory2' value 'x': unknown key 'memory2'; see 'berth help' for the keys",
                p + ":5: 'ostype' value 'redhat': not allowed; allowed: debian | devuan | ubuntu | centos | fedora | opensuse "
                        + "| archlinux | alpine | gentoo | nixos | unmanaged");
        s.update(101, ConfigStoreTest::increment);
        assertThat(Files.readString(p)).contains("memory2: x\n", "ostype: redhat\n");
        assertThatThrownBy(() -> s.load(101).main().ostype()).isInstanceOf(ConfigException.class).hasMessageContaining(p + ":");
    }

    @Test void concurrentThreadsNeverLoseAnUpdate() throws Exception {
        ConfigStore s = new ConfigStore(BerthRoots.resolve(tmp.toString()));
        s.create(102, base());
        int threads = 8;
        int each = 25;
        try (ExecutorService ex = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                // separate store instances, as separate commands would have
                fs.add(ex.submit(() -> {
                    ConfigStore mine = new ConfigStore(BerthRoots.resolve(tmp.toString()));
                    for (int i = 0; i < each; i++) mine.update(102, ConfigStoreTest::increment);
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        }
        assertThat(s.load(102).main().memory()).hasValue(16 + threads * each);
    }

    @Test void concurrentProcessesNeverLoseAnUpdate() throws Exception {
        ConfigStore s = new ConfigStore(BerthRoots.resolve(tmp.toString()));
        s.create(103, base());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> ps = new ArrayList<>();
        int procs = 3;
        int each = 30;
        for (int i = 0; i < procs; i++) {
            ps.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Incrementer.class.getName(),
                    tmp.toString(), "103", Integer.toString(each)).redirectErrorStream(true).redirectOutput(
                    tmp.resolve("proc" + i + ".log").toFile()).start());
        }
        // and this JVM's threads at the same time
        for (int i = 0; i < each; i++) s.update(103, ConfigStoreTest::increment);
        for (Process p : ps) {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(tmp.resolve("proc0.log"))).isZero();
        }
        assertThat(s.load(103).main().memory()).hasValue(16 + (procs + 1) * each);
    }

    /** Child process body for {@link #concurrentProcessesNeverLoseAnUpdate}. */
    public static final class Incrementer {
        public static void main(String[] args) {
            ConfigStore s = new ConfigStore(BerthRoots.resolve(args[0]));
            for (int i = 0; i < Integer.parseInt(args[2]); i++) s.update(Integer.parseInt(args[1]), ConfigStoreTest::increment);
        }
    }

    @Test void rootsResolve() {
        assertThat(BerthRoots.resolve(null, null)).isEqualTo(new BerthRoots(Path.of("/etc/berth"), Path.of("/var/lib/berth")));
        BerthRoots r = BerthRoots.resolve(null, "/x/y");
        assertThat(r.containerConfig(100)).isEqualTo(Path.of("/x/y/etc/lxc/100.conf"));
        assertThat(BerthRoots.resolve("/o", "/x").storageCfg()).isEqualTo(Path.of("/o/etc/storage.cfg"));
        assertThat(r.lxcPath()).isEqualTo(Path.of("/x/y/var/lxc"));
        assertThat(r.lockDir()).isEqualTo(Path.of("/x/y/var/lock"));
        assertThat(r.defaultStorageDir()).isEqualTo(Path.of("/x/y/var/storage/local"));
        assertThat(r.runDir()).isEqualTo(Path.of("/x/y/var/run"));
    }
}
