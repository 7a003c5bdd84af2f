package io.berth.ct.backup;

import io.berth.ct.TestTemplates;
import io.berth.storage.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds archives in vzdump's layout with GNU tar and zstd, as PVE::VZDump::LXC runs them. */
final class ArchiveFixtures {
    private ArchiveFixtures() {}

    /**
     * {@code tar cpf - --totals COMMON_TAR_FLAGS --directory=CONF ./etc/vzdump/pct.conf ./etc/vzdump/pct.fw
     * --directory=ROOT SOURCES... | zstd}, ROOT being the busybox template plus what {@code script} adds.
     */
    static Path build(Path work, String fileName, String pctConf, String script, List<String> sources, List<String> extraMembers)
            throws Exception {
        Path conf = Files.createDirectories(work.resolve("conf/etc/vzdump"));
        Files.writeString(conf.resolve("pct.conf"), pctConf);
        Files.writeString(conf.resolve("pct.fw"), "");
        Path root = Files.createDirectories(work.resolve("root"));
        HostCommand.of("tar", "-xzpf", TestTemplates.busybox().toString(), "--numeric-owner", "-C", root.toString()).run();
        HostCommand.of("sh", "-ec", "cd '" + root + "'\n" + script).run();
        Path tarFile = work.resolve(fileName.replaceAll("\\.zst$", ""));
        List<String> tar = new ArrayList<>(List.of("tar", "cpf", tarFile.toString(), "--totals"));
        tar.addAll(BackupService.COMMON_TAR_FLAGS);
        tar.addAll(List.of("--directory=" + work.resolve("conf"), "./etc/vzdump/pct.conf", "./etc/vzdump/pct.fw", "--directory=" + root));
        tar.addAll(sources);
        if (!extraMembers.isEmpty()) {
            tar.add("-P");
            tar.addAll(extraMembers);
        }
        HostCommand.of(tar.toArray(String[]::new)).run();
        if (!fileName.endsWith(".zst")) return tarFile;
        HostCommand.of("zstd", "-q", "--rm", "-T0", tarFile.toString(), "-o", work.resolve(fileName).toString()).run();
        return work.resolve(fileName);
    }
}
