package io.berth.cli;

import io.berth.storage.HostCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** The storage commands run in-process through picocli against a {@code --root} temp dir with dir storage. */
class StorageCommandsTest {
    private Path root;

    record Run(int rc, String out, String err) {}

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("berth-cli-storage-");
    }

    @AfterEach
    void tearDown() {
        HostCommand.of("rm", "-rf", "--one-file-system", "--", root.toString()).run();
    }

    private Run berth(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> argv = new ArrayList<>(List.of("--root", root.toString()));
        argv.addAll(List.of(args));
        int rc = cl.execute(argv.toArray(String[]::new));
        return new Run(rc, out.toString(), err.toString());
    }

    private Path conf(int vmid) {
        return root.resolve("etc/lxc/" + vmid + ".conf");
    }

    private String readConf(int vmid) throws IOException {
        return Files.readString(conf(vmid), StandardCharsets.UTF_8);
    }

    @Test
    void listAndStatusShowTheStoragesAndAnUnavailableOneFails() throws IOException {
        Run list = berth("storage", "list");
        assertThat(list.rc()).isZero();
        assertThat(list.out()).contains("local", "dir", root.resolve("var/storage/local").toString(), "backup,images,rootdir,vztmpl");

        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/storage.cfg"), "dir: local\n\tpath " + root.resolve("store") + "\n\tcontent rootdir\n\n"
                + "dir: gone\n\tpath " + root.resolve("missing") + "\n\tmkdir 0\n\n"
                + "dir: off\n\tpath " + root.resolve("off") + "\n\tdisable 1\n");
        Files.createDirectories(root.resolve("store"));
        Run status = berth("storage", "status", "--bytes");
        assertThat(status.rc()).isEqualTo(1);
        assertThat(status.err()).contains("'gone'", root.resolve("missing").toString());
        List<String> lines = status.out().lines().toList();
        assertThat(lines.get(0)).contains("Name", "Total", "Used", "Available");
        String[] local = lines.stream().filter(l -> l.startsWith("local ")).findFirst().orElseThrow().trim().split("\\s+");
        long total = Files.getFileStore(root.resolve("store")).getTotalSpace();
        assertThat(local[2]).isEqualTo("active");
        assertThat(Long.parseLong(local[3])).isEqualTo(total);
        assertThat(Long.parseLong(local[4]) + Long.parseLong(local[5])).isLessThanOrEqualTo(total);
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("gone ").contains("inactive"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("off ").contains("disabled"));
    }

    @Test
    void allocRescanResizeAndFreeWorkTogether() throws IOException {
        Run a0 = berth("volume", "alloc", "local", "100", "16M");
        Run a1 = berth("volume", "alloc", "local", "100", "8M");
        Run a2 = berth("volume", "alloc", "local", "100", "0", "--uid", "1000", "--gid", "1000");
        assertThat(List.of(a0.rc(), a1.rc(), a2.rc())).containsOnly(0);
        String disk0 = a0.out().strip(), disk1 = a1.out().strip(), subvol = a2.out().strip();
        assertThat(List.of(disk0, disk1, subvol)).containsExactly("local:100/vm-100-disk-0.raw", "local:100/vm-100-disk-1.raw",
                "local:subvol-100-disk-2");
        assertThat(Files.getAttribute(root.resolve("var/storage/local/images/100/subvol-100-disk-2"), "unix:uid")).isEqualTo(1000);

        Run vols = berth("volume", "list", "--vmid", "100");
        assertThat(vols.out()).contains(disk0, disk1, subvol, "16.00M", "8.00M", "subvol");

        Files.createDirectories(conf(100).getParent());
        String before = "hostname: ct100\nmp0: " + disk1 + ",mp=/data\nrootfs: " + disk0 + ",size=1M\n";
        Files.writeString(conf(100), before);

        Run dry = berth("rescan", "100", "--dryrun");
        assertThat(dry.rc()).isZero();
        assertThat(dry.out()).contains("CT 100: would add unreferenced volume '" + subvol + "' as 'unused0'",
                "CT 100: would update size of rootfs ('" + disk0 + "') from 1M to 16M",
                "CT 100: would update size of mp0 ('" + disk1 + "') from none to 8M");
        assertThat(readConf(100)).isEqualTo(before);

        Run rescan = berth("rescan");
        assertThat(rescan.rc()).isZero();
        assertThat(rescan.out()).contains("CT 100: add unreferenced volume '" + subvol + "' as 'unused0'")
                .doesNotContain("would");
        assertThat(readConf(100)).contains("rootfs: " + disk0 + ",size=16M", "mp0: " + disk1 + ",mp=/data,size=8M",
                "unused0: " + subvol);
        assertThat(berth("rescan", "100").out()).contains("CT 100: no changes");

        Run grow = berth("resize", "100", "mp0", "+4M");
        assertThat(grow.rc()).as(grow.err()).isZero();
        assertThat(grow.out()).contains("grew mp0 ('" + disk1 + "') from 8M to 12M");
        assertThat(readConf(100)).contains("mp0: " + disk1 + ",mp=/data,size=12M");
        assertThat(Files.size(root.resolve("var/storage/local/images/100/vm-100-disk-1.raw"))).isEqualTo(12L << 20);

        Run shrink = berth("resize", "100", "mp0", "4M");
        assertThat(shrink.rc()).isEqualTo(2);
        assertThat(shrink.err()).contains("cannot shrink mp0", "from 12M to 4M", "only growing");
        Run badDisk = berth("resize", "100", "mp999", "+1G");
        assertThat(badDisk.rc()).isEqualTo(2);
        assertThat(badDisk.err()).contains("invalid disk 'mp999'", "rootfs or mp0..mp255");

        Run refused = berth("volume", "free", subvol);
        assertThat(refused.rc()).as("referenced: the volume's state forbids it").isEqualTo(6);
        assertThat(refused.err()).contains("cannot free '" + subvol + "'", "100.conf key unused0", "berth set 100 --delete unused0");
        assertThat(root.resolve("var/storage/local/images/100/subvol-100-disk-2")).exists();

        // deleting unusedN frees its volume, as Proxmox does (issue 10.8); nothing is left for 'volume free'
        Run deleted = berth("set", "100", "--delete", "unused0");
        assertThat(deleted.rc()).as(deleted.err()).isZero();
        Run gone = berth("volume", "free", subvol);
        assertThat(gone.rc()).as(gone.err()).isEqualTo(3);
        assertThat(gone.err()).contains("does not exist");
        assertThat(root.resolve("var/storage/local/images/100/subvol-100-disk-2")).doesNotExist();
        assertThat(berth("volume", "list", "--vmid", "100").out()).doesNotContain(subvol);
    }

    @Test
    void badInputIsNamed() {
        Run size = berth("volume", "alloc", "local", "100", "1024");
        assertThat(size.rc()).isEqualTo(2);
        assertThat(size.err()).contains("invalid size '1024'", "unit K, M, G or T");
        Run storage = berth("volume", "list", "--storage", "nope");
        assertThat(storage.rc()).isEqualTo(3);
        assertThat(storage.err()).contains("unknown storage 'nope'", "local");
        Run volid = berth("volume", "free", "local:nonsense");
        assertThat(volid.rc()).isEqualTo(2);
        assertThat(volid.err()).contains("local:nonsense");
        Run missing = berth("rescan", "777");
        assertThat(missing.rc()).isNotZero();
        assertThat(missing.err()).contains("777");
    }

    @Test
    void rootGivenAfterTheSubcommandIsHonoured() {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        int rc = cl.execute("storage", "list", "--root", root.toString());
        assertThat(rc).isZero();
        assertThat(out.toString()).contains(root.resolve("var/storage/local").toString());
    }
}
