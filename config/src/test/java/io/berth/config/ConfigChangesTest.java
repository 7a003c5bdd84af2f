package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigChangesTest {
    static final ConfigFile F = ConfigParser.parse("t", """
            hostname: ct
            memory: 512
            rootfs: local:100/vm-100-disk-0.raw,size=8G
            swap: 512
            unprivileged: 1

            [PENDING]
            cores: 2
            delete: swap
            """);

    @Test void setNormalizesAndClearsPending() {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("mp0", "/srv/data,mp=/data,idmap=u:1005:1005:1");
        set.put("onboot", "yes");
        set.put("cores", "4");
        set.put("features", "nesting=1,fuse=0");
        ConfigFile out = ConfigChanges.applyChanges(F, set, List.of("swap"), false);
        assertThat(out.main().get("mp0")).hasValue("/srv/data,mp=/data,idmap=u:1005:1005:1");
        assertThat(out.main().get("onboot")).hasValue("1");
        assertThat(out.main().get("features")).hasValue("nesting=1");
        assertThat(out.main().get("swap")).isEmpty();
        assertThat(out.pending()).isEmpty(); // cores and the swap delete were pending and are now applied
    }

    @Test void toPendingRecordsValuesAndDeletes() {
        ConfigFile out = ConfigChanges.applyChanges(F, Map.of("memory", "1024"), List.of("hostname"), true);
        assertThat(out.main()).isEqualTo(F.main());
        assertThat(out.pending().orElseThrow().get("memory")).hasValue("1024");
        assertThat(out.pending().orElseThrow().deletes()).containsExactly("swap", "hostname");
        ConfigFile back = ConfigChanges.applyChanges(out, Map.of("swap", "256"), List.of(), true);
        assertThat(back.pending().orElseThrow().deletes()).containsExactly("hostname");
    }

    @Test void invalidValuesAreRefusedNamingKeyValueAndAllowed() {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("memory", "8");
        set.put("mp1", "/srv/x,mp=/x,mountoptions=suid");
        set.put("nosuchkey", "1");
        set.put("snaptime", "5");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigChanges.applyChanges(F, set, List.of("rootfs", "alsonot"), false));
        assertThat(e.errors()).extracting(ConfigError::key)
                .containsExactly("memory", "mp1", "nosuchkey", "snaptime", "rootfs", "alsonot");
        assertThat(e.errors().get(0).value()).isEqualTo("8");
        assertThat(e.errors().get(0).message()).contains("integer >= 16");
        assertThat(e.errors().get(1).message()).contains("'suid'").contains("nosuid");
    }

    @Test void mountIdmapMustUseMappedContainerIds() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigChanges.applyChanges(F, Map.of("mp0", "/srv/d,mp=/d,idmap=u:70000:1000:1"), List.of(), false));
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.key()).isEqualTo("mp0");
            assertThat(err.message()).contains("u:70000:1000:1").contains("u 0 100000 65536");
        });
    }

    @Test void valuesWithLineBreaksCannotInjectKeys() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigChanges.applyChanges(F, Map.of("hostname", "a\nmemory: 1"), List.of(), false));
        assertThat(e.errors().getFirst().message()).contains("line breaks");
        ConfigFile d = ConfigChanges.applyChanges(F, Map.of("description", "two\nlines"), List.of(), false);
        assertThat(ConfigPrinter.print(d)).startsWith("#two\n#lines\n");
    }
}
