package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The key families the code asks about come from the Schema's declarations, index range included. */
class SchemaFamilyTest {
    @Test void familiesFollowTheDeclaredIndexRange() {
        assertThat(Schema.inFamily("mp", "mp0")).isTrue();
        assertThat(Schema.inFamily("mp", "mp255")).isTrue();
        assertThat(Schema.inFamily("mp", "mp256")).isFalse();
        assertThat(Schema.inFamily("mp", "mp01")).isFalse();
        assertThat(Schema.inFamily("mp", "mp")).isFalse();
        assertThat(Schema.inFamily("net", "net31")).isTrue();
        assertThat(Schema.inFamily("net", "net32")).isFalse();
        assertThat(Schema.inFamily("unused", "unused7")).isTrue();
        assertThat(Schema.inFamily("dev", "dev0")).isTrue();
        assertThat(Schema.inFamily("dev", "device0")).isFalse();
        assertThat(MountPoint.isVolumeKey("rootfs")).isTrue();
        assertThat(MountPoint.isVolumeKey("mp12")).isTrue();
        assertThat(MountPoint.isVolumeKey("unused0")).isFalse();
        assertThatThrownBy(() -> Schema.inFamily("memory", "memory1")).isInstanceOf(IllegalArgumentException.class);
    }
}
