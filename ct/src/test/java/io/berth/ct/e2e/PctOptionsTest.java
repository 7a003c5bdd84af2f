package io.berth.ct.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.RawLxc;
import io.berth.ct.CreateRequest;
import io.berth.ct.CtFixture;
import io.berth.ct.TestTemplates;
import io.berth.ct.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.16: pct options that were missing, each checked for its effect on a real container. */
@Tag("root")
class PctOptionsTest {
    @TempDir Path tmp;

    @Test
    void createSetsPasswordAndKeysInTheGuestAndNeverStoresThem() throws Exception {
        Path debian = DebianRootfs.require();
        int vmid = 4011;
        String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBerthTestKeyBerthTestKeyBerthTestKey0000 test@berth";
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.svc.create(new CreateRequest(vmid, debian.toString(), Map.of("rootfs", "local:0", "hostname", "pw"), Optional.empty(),
                    Optional.of("s3cret-pw"), Optional.of(key + "\n"), false), Progress.NONE);
            String conf = Files.readString(f.svc.roots().containerConfig(vmid));
            assertThat(conf).doesNotContain("s3cret").doesNotContain("AAAAC3");
            Path rootfs = f.svc.storages().path(f.svc.storages().parseVolumeId(
                    f.svc.config(vmid).main().get("rootfs").orElseThrow().split(",")[0])).path();
            String shadowRoot = Files.readAllLines(rootfs.resolve("etc/shadow")).stream().filter(l -> l.startsWith("root:"))
                    .findFirst().orElseThrow();
            String hash = shadowRoot.split(":")[1];
            assertThat(hash).startsWith("$").doesNotContain("s3cret");
            // the stored hash is of this password: openssl computes the same crypt with the same salt
            String salt = hash.substring(0, hash.lastIndexOf('$'));
            String[] parts = salt.split("\\$");
            var r = io.berth.storage.HostCommand.of("openssl", "passwd", "-" + parts[1], "-salt", parts[2], "s3cret-pw").run().strip();
            assertThat(r).isEqualTo(hash);
            assertThat(Files.readString(rootfs.resolve("root/.ssh/authorized_keys"))).contains(key);
        } finally {
            // CtFixture only cleans what it created through f.create
        }
    }

    @Test
    void envConsoleRevertOverruleAndIgnoreUnpackErrorsOnABusyboxContainer() throws Exception {
        int vmid = 4012;
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            f.create(vmid, Map.of("rootfs", "local:0"));
            var c = f.svc.config(vmid);
            // init ignores the halt signal: a shutdown waits for its whole timeout unless overruled
            f.svc.writeConfig(vmid, c.withMain(c.main().withLxcRaw(List.of(new RawLxc("lxc.signal.halt", "SIGCONT")))));
            f.svc.start(vmid, false, false);

            // enter/exec: the caller's environment passes in by default (pct's keep-env default 1), never on the
            // command line (ps would show it); with --keep-env 0 it is cleared and HOME/PATH set as a login would
            List<String> echo = List.of("sh", "-c", "echo foo=$BERTH_TEST_FOO home=$HOME");
            List<String> keep = f.svc.attachCommand(vmid, echo, true);
            assertThat(String.join(" ", keep)).contains("--keep-env").doesNotContain("secret-bar").doesNotContain("--clear-env");
            ProcessBuilder pb = new ProcessBuilder(keep).redirectErrorStream(true);
            pb.environment().put("BERTH_TEST_FOO", "secret-bar");
            pb.environment().put("HOME", "/home/caller");
            Process p = pb.start();
            assertThat(new String(p.getInputStream().readAllBytes())).contains("foo=secret-bar home=/home/caller");
            assertThat(p.waitFor()).isZero();
            pb = new ProcessBuilder(f.svc.attachCommand(vmid, echo, false)).redirectErrorStream(true);
            pb.environment().put("BERTH_TEST_FOO", "secret-bar");
            p = pb.start();
            assertThat(new String(p.getInputStream().readAllBytes())).contains("foo= home=/root");
            assertThat(p.waitFor()).isZero();

            // console follows cmode and takes --escape
            assertThat(f.svc.consoleCommand(vmid, Optional.of("^b"))).containsSequence("-e", "^b").contains("lxc-console");
            f.svc.set(vmid, Map.of("cmode", "console"), List.of(), false);
            assertThat(f.svc.consoleCommand(vmid, Optional.empty())).containsSequence("-t", "0");
            f.svc.set(vmid, Map.of("cmode", "shell"), List.of(), false);
            assertThat(f.svc.consoleCommand(vmid, Optional.empty())).contains("lxc-attach").doesNotContain("lxc-console");
            assertThatThrownBy(() -> f.svc.consoleCommand(vmid, Optional.of("^^x"))).hasMessageContaining("escape");

            // set --revert drops a pending change
            f.svc.set(vmid, Map.of("unprivileged", "1"), List.of(), false);
            assertThat(f.svc.config(vmid).pending()).isPresent();
            f.svc.revert(vmid, List.of("unprivileged"), false);
            assertThat(f.svc.config(vmid).pending()).isEmpty();

            // stop --overrule-shutdown ends a shutdown that would wait 60 s
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> f.svc.shutdown(vmid, 60, false, false));
            Thread.sleep(1500);
            assertThat(shutdown).isNotDone();
            long t0 = System.nanoTime();
            f.svc.stop(vmid, false, true);
            assertThat(f.monitorRunning(vmid)).isFalse();
            try {
                shutdown.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // the overruled shutdown may report that it did not finish cleanly
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        }
    }

    @Test
    void ignoreUnpackErrorsTurnsMemberErrorsIntoWarnings() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("t"));
        Path tree = Files.createDirectories(work.resolve("tree"));
        io.berth.storage.HostCommand.of("tar", "-xzf", TestTemplates.busybox().toString(), "-C", tree.toString()).run();
        Path d = Files.createDirectories(work.resolve("d"));
        Files.writeString(d.resolve("a"), "x");
        Files.createLink(d.resolve("b"), d.resolve("a"));
        Path all = work.resolve("broken.tar");
        io.berth.storage.HostCommand.of("tar", "-cf", all.toString(), "-C", tree.toString(), ".").run();
        Path link = work.resolve("link.tar");
        io.berth.storage.HostCommand.of("tar", "-cf", link.toString(), "-C", d.toString(), "a", "b").run();
        io.berth.storage.HostCommand.of("tar", "--delete", "-f", link.toString(), "a").run();
        io.berth.storage.HostCommand.of("tar", "-Af", all.toString(), link.toString()).run();
        io.berth.storage.HostCommand.of("gzip", "-f", all.toString()).run();
        Path archive = work.resolve("broken.tar.gz");
        try (CtFixture f = new CtFixture(tmp.resolve("root"))) {
            assertThatThrownBy(() -> f.svc.create(new CreateRequest(4013, archive.toString(), Map.of("rootfs", "local:0"),
                    Optional.empty()), Progress.NONE)).hasMessageContaining("tar");
            assertThat(f.svc.vmids()).doesNotContain(4013);
            var r = f.svc.create(new CreateRequest(4013, archive.toString(), Map.of("rootfs", "local:0"), Optional.empty(),
                    Optional.empty(), Optional.empty(), true), Progress.NONE);
            assertThat(String.join("\n", r.warnings())).contains("--ignore-unpack-errors");
            f.svc.destroy(4013, false, false);
        }
    }
}
