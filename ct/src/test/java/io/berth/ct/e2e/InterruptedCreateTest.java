package io.berth.ct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10.9: kill -9 of {@code berth create} once its volume exists. The config (locked 'create') names the volume,
 * a second create is refused saying how to clean up, and destroy then frees everything, so the next create gets disk-0.
 */
@Tag("root")
class InterruptedCreateTest {
    @TempDir Path tmp;

    @Test
    void aKilledCreateLeavesNoOrphanThatDestroyCannotFind() throws Exception {
        Path root = tmp.resolve("root");
        BerthCli cli = BerthCli.forRoot(root, tmp);
        String archive = cli.run("template", "build", "busybox").check().out().strip();
        int vmid = 4006;
        String id = Integer.toString(vmid);
        Path images = root.resolve("var/storage/local/images/" + vmid);
        Path conf = root.resolve("etc/lxc/" + vmid + ".conf");

        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("berth.source.root", "..")).toAbsolutePath()
                .normalize().resolve("bin/berth").toString(), "--root", root.toString(), "create", id, archive, "--rootfs", "local:1"));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(tmp.resolve("create.log").toFile());
        pb.environment().putAll(cli.env());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.isDirectory(images) && Files.list(images).findAny().isPresent()) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(p.isAlive()).as("create still running when its volume appeared: " + Files.readString(tmp.resolve("create.log"))).isTrue();
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly(); // SIGKILL
        p.waitFor();

        // whatever the moment of the kill (even inside mkfs, before the volume id is known): the config exists, locked
        // 'create', so the id is taken and destroy --destroy-unreferenced-disks finds every volume
        Thread.sleep(200);
        assertThat(conf).exists();
        String text = Files.readString(conf);
        assertThat(text).contains("lock: create");
        Proc.Result again = cli.run("create", id, archive, "--rootfs", "local:1");
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("locked 'create'").contains("destroy " + id + " --skiplock --destroy-unreferenced-disks");
        Proc.Result rescan = cli.run("rescan");
        assertThat(rescan.out() + rescan.err()).contains("CT " + vmid);

        cli.run("destroy", id, "--skiplock", "--destroy-unreferenced-disks").check();
        assertThat(cli.run("volume", "list").check().out()).doesNotContain("vm-" + vmid + "-");
        cli.run("create", id, archive, "--rootfs", "local:1").check();
        assertThat(Files.readString(conf)).contains("vm-" + vmid + "-disk-0").doesNotContain("lock:");
        cli.run("destroy", id).check();
    }
}
