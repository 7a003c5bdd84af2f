package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandsTest {
    @TempDir Path root;
    Path conf;

    CliRun run(String... args) {
        return CliRun.run(root, args);
    }

    @BeforeEach void writeConfig() throws Exception {
        conf = root.resolve("etc/lxc/100.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, """
                arch: amd64
                hostname: alpha
                memory: 512
                ostype: debian
                rootfs: local:100/vm-100-disk-0.raw,size=8G
                unprivileged: 1
                """);
    }

    @Test void setWritesAValidIdmappedMountPoint() throws Exception {
        CliRun r = run("set", "100", "--mp0", "/srv/data,mp=/data,idmap=u:1005:1005:1");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(Files.readString(conf)).contains("mp0: /srv/data,mp=/data,idmap=u:1005:1005:1\n");
        CliRun more = run("set", "100", "--mp17=/srv/other,mp=/other", "--net3", "name=eth3,bridge=vmbr0,ip=dhcp");
        assertThat(more.rc()).as(more.err()).isZero();
        assertThat(Files.readString(conf)).contains("mp17: /srv/other,mp=/other\n")
                // set gives a new NIC its MAC once, in Proxmox's range and key order, so it stays stable across starts
                .containsPattern("(?m)^net3: name=eth3,bridge=vmbr0,hwaddr=BC:24:11(:[0-9A-F]{2}){3},ip=dhcp$");
        assertThat(run("set", "100", "--mp256", "/x,mp=/x").rc()).isNotZero();
        CliRun show = run("config", "100");
        assertThat(show.out()).contains("mp0: /srv/data,mp=/data,idmap=u:1005:1005:1");
    }

    @Test void setRefusesInvalidValuesAndLeavesTheFile() throws Exception {
        String before = Files.readString(conf);
        CliRun r = run("set", "100", "--memory", "8", "--mp1", "/srv/x,mp=/x,mountoptions=suid");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("'memory' value '8'").contains("integer >= 16")
                .contains("'mp1' value '/srv/x,mp=/x,mountoptions=suid'").contains("'suid' is not allowed");
        assertThat(Files.readString(conf)).isEqualTo(before);
        assertThat(run("set", "100", "--nosuch", "1").rc()).isNotZero();
        assertThat(run("set", "99", "--memory", "1024").err()).contains("100..999999999");
        assertThat(run("set", "101", "--memory", "1024").err()).contains("does not exist");
    }

    @Test void setChecksTheHookscriptAsProxmoxDoes() throws Exception {
        Path snippets = Files.createDirectories(io.berth.config.BerthRoots.resolve(root.toString()).defaultStorageDir().resolve("snippets"));
        Path ok = Files.writeString(snippets.resolve("ok.sh"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(ok, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(snippets.resolve("plain.sh"), "#!/bin/sh\n");
        String before = Files.readString(conf);
        for (String[] bad : new String[][] {
                {"local:vztmpl/x.tar.gz", "error: hookscript: 'local:vztmpl/x.tar.gz' is not in the snippets directory"},
                {"local:snippets/missing.sh", "error: hookscript: script 'local:snippets/missing.sh' does not exist"},
                {"local:snippets/plain.sh", "error: hookscript: script 'local:snippets/plain.sh' is not executable"}}) {
            CliRun r = run("set", "100", "--hookscript", bad[0]);
            assertThat(r.rc()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains(bad[1]);
        }
        assertThat(Files.readString(conf)).isEqualTo(before);
        CliRun set = run("set", "100", "--hookscript", "local:snippets/ok.sh");
        assertThat(set.rc()).as(set.err()).isZero();
        assertThat(Files.readString(conf)).contains("hookscript: local:snippets/ok.sh\n");
        CliRun del = run("set", "100", "--delete", "hookscript");
        assertThat(del.rc()).as(del.err()).isZero();
        assertThat(Files.readString(conf)).doesNotContain("hookscript");
    }

    @Test void setAndDeleteThenPendingView() throws Exception {
        assertThat(run("set", "100", "--memory", "1024", "--delete", "unprivileged").rc()).isZero();
        assertThat(Files.readString(conf)).contains("memory: 1024").doesNotContain("unprivileged");
        Files.writeString(conf, Files.readString(conf) + "\n[PENDING]\ncores: 2\ndelete: hostname\n");
        CliRun p = run("pending", "100");
        assertThat(p.rc()).as(p.err()).isZero();
        assertThat(p.out()).contains("new cores: 2").contains("del hostname: alpha").contains("cur memory: 1024");
        assertThat(run("config", "100").out()).contains("cores: 2").doesNotContain("hostname");
        assertThat(run("config", "100", "--current").out()).contains("hostname: alpha").doesNotContain("cores");
    }

    @Test void aHandEditedValueOnlyWarnsWhenShownAndIsKeptBySet() throws Exception {
        Files.writeString(conf, Files.readString(conf) + "frobnicate: 1\n");
        Files.writeString(conf, Files.readString(conf).replace("ostype: debian", "ostype: redhat"));
        CliRun show = run("config", "100");
        assertThat(show.rc()).as(show.err()).isZero();
        assertThat(show.out()).contains("ostype: redhat", "frobnicate: 1");
        assertThat(show.err()).contains("warning: " + conf + ":4: 'ostype' value 'redhat': not allowed; allowed: debian",
                "warning: " + conf + ":7: 'frobnicate' value '1': unknown key 'frobnicate'");
        CliRun set = run("set", "100", "--memory", "1024");
        assertThat(set.rc()).as(set.err()).isZero();
        assertThat(Files.readString(conf)).contains("memory: 1024\n", "ostype: redhat\n", "frobnicate: 1\n");
    }

    @Test void helpForKeysAndCommands() {
        CliRun mp = run("help", "mp0");
        assertThat(mp.out()).contains("mp[n]").contains("idmap").contains("hotplug");
        assertThat(run("help", "memory").out()).contains("default: 512").contains("integer >= 16");
        assertThat(run("help", "set").out()).contains("Usage: berth set").contains("--memory");
        assertThat(run("help", "keys").out()).contains("rootfs").contains("net[n]");
        CliRun bad = run("help", "nonsense");
        assertThat(bad.rc()).isNotZero();
        assertThat(bad.err()).contains("neither a config key nor a command");
        assertThat(run("set", "--help").out()).contains("--delete");
    }
}
