package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigParserErrorTest {
    private static List<ConfigError> errors(String text) {
        return catchThrowableOfType(ConfigException.class, () -> ConfigParser.parse("100.conf", text)).errors();
    }

    @Test void everyErrorNamesFileLineKeyValueAndWhatIsAllowed() {
        List<ConfigError> es = errors("""
                arch: amd64
                memory: lots
                mp0: /srv/data,mp=/data,mountoptions=suid
                net0: name=eth0,tag=5000
                bogus: 1
                ostype: windows
                """);
        assertThat(es).hasSize(5);
        assertThat(es.get(0)).isEqualTo(new ConfigError("100.conf", 2, "memory", "lots", "not allowed; allowed: integer >= 16"));
        assertThat(es.get(1).line()).isEqualTo(3);
        assertThat(es.get(1).message()).contains("'suid'").contains("noatime");
        assertThat(es.get(2).message()).contains("tag").contains("1..4094");
        assertThat(es.get(3).key()).isEqualTo("bogus");
        assertThat(es.get(3).message()).contains("unknown key");
        assertThat(es.get(4).message()).contains("debian");
        assertThat(es.get(0).toString()).isEqualTo("100.conf:2: 'memory' value 'lots': not allowed; allowed: integer >= 16");
    }

    @Test void structuralErrors() {
        assertThat(errors("memory: 512\nmemory: 1024\n").getFirst().message()).contains("twice").contains("line 1");
        assertThat(errors("[snap]\narch: amd64\n[snap]\narch: i386\n").getFirst().message()).contains("section appears twice");
        assertThat(errors("[bad name]\n").getFirst().message()).contains("not a config line");
        assertThat(errors("just text\n").getFirst().message()).contains("not a config line");
        assertThat(errors("[pve:pending]\ndelete: memory,nonsense\n").getFirst()).extracting(ConfigError::key, ConfigError::value)
                .containsExactly("delete", "nonsense");
        assertThat(errors("mp0: /srv/x\n").getFirst().message()).contains("missing option 'mp'");
        assertThat(errors("mp0: ../x,mp=/x\n").getFirst().message()).contains("STORAGE:VOLNAME");
        assertThat(errors("rootfs: local:8,mp=/x\n").getFirst().message()).contains("unknown option 'mp'");
    }

    @Test void idmapErrorsPointAtTheLxcIdmapLine() {
        List<ConfigError> es = errors("arch: amd64\nlxc.idmap: u 0 100000 65536\nlxc.idmap: u 10 300000 5\nlxc.idmap: g 0 100000 65536\n");
        assertThat(es).singleElement().satisfies(e -> {
            assertThat(e.line()).isEqualTo(2);
            assertThat(e.key()).isEqualTo("lxc.idmap");
            assertThat(e.message()).contains("overlap on the container side");
        });
        assertThat(errors("lxc.idmap: q 0 0 1\n").getFirst().message()).contains("'q 0 0 1'");
    }
}
