package io.berth.lxc.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10.6: a missing include is refused before lxc-start, naming the package that ships it. */
class LxcIncludesTest {

    @Test
    void presentIncludesPassAndAMissingOneNamesItsPackage(@TempDir Path tmp) throws Exception {
        Path present = Files.writeString(tmp.resolve("x.conf"), "lxc.tty.max = 2\n");
        assertThat(LxcIncludes.problem("lxc.arch = amd64\nlxc.include = " + present + "\n")).isEmpty();
        // the generic files come with lxc itself, which the tests run on
        assertThat(LxcIncludes.problem("lxc.include = /usr/share/lxc/config/common.conf\n")).isEmpty();

        String distro = "/usr/share/lxc/config/berth-no-such-distro.common.conf";
        assertThat(LxcIncludes.problem("lxc.include = " + present + "\nlxc.include = " + distro + "\n")).hasValueSatisfying(m ->
                assertThat(m).contains(distro).contains("does not exist").contains("'lxc-templates'").contains("apt-get install lxc-templates"));
        assertThat(LxcIncludes.problem("lxc.include = " + tmp.resolve("gone.conf") + "\n")).hasValueSatisfying(m ->
                assertThat(m).contains(tmp.resolve("gone.conf").toString()).doesNotContain("package"));
        assertThat(LxcIncludes.packageOf("/usr/share/lxc/config/userns.conf")).hasValue("lxc");
        assertThat(LxcIncludes.packageOf("/usr/share/lxc/config/debian.userns.conf")).hasValue("lxc-templates");
    }

    @Test
    void everyDistroIncludeTheRendererNamesIsInstalledByDeps() {
        // scripts/deps.sh installs lxc-templates: every per-distribution file the renderer may include exists
        for (String ostype : LxcConfigRenderer.OSTYPES_WITH_INCLUDES) {
            for (String kind : new String[] {".common.conf", ".userns.conf"}) {
                Path p = Path.of(LxcConfigRenderer.LXC_CONFIG_DIR, ostype + kind);
                assertThat(p).as("%s (package lxc-templates, scripts/deps.sh)", p).isRegularFile();
            }
        }
    }
}
