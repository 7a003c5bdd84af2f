package io.berth.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpStatusTest {
    @Test void everyKindHasItsStatus() {
        assertThat(HttpStatus.of(new InvalidInputException("memory", "'x' is not an integer"))).isEqualTo(400);
        assertThat(HttpStatus.of(new PermissionDeniedException("no VM.Config.Memory on /vms/100"))).isEqualTo(403);
        assertThat(HttpStatus.of(new NotFoundException("container 100 does not exist"))).isEqualTo(404);
        assertThat(HttpStatus.of(new LockedException("container 100 is locked (backup)", "backup"))).isEqualTo(409);
        assertThat(HttpStatus.of(new StateException("container 100 is running"))).isEqualTo(409);
        assertThat(HttpStatus.of(new ExistsException("container 100 exists already"))).isEqualTo(409);
        assertThat(HttpStatus.of(new DigestMismatchException("config", "a".repeat(40), "b".repeat(40)))).isEqualTo(409);
        assertThat(HttpStatus.of(new HostFailureException("mkfs.ext4 failed", 5, null))).isEqualTo(500);
        assertThat(HttpStatus.of(new UnsupportedException("lvmthin needs device-mapper"))).isEqualTo(501);
    }

    @Test void invalidInputListsEveryParameter() {
        var e = new InvalidInputException(List.of(new ParamError("memory", "'x' is not an integer"),
                new ParamError("cores", "'0' is below the minimum 1")));
        assertThat(e.getMessage()).isEqualTo("memory: 'x' is not an integer\ncores: '0' is below the minimum 1");
        assertThat(e.paramErrors()).extracting(ParamError::param).containsExactly("memory", "cores");
        assertThatThrownBy(() -> new InvalidInputException(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test void digestMismatchNamesBothDigests() {
        var e = new DigestMismatchException("the config of container 100", "a".repeat(40), "b".repeat(40));
        assertThat(e.getMessage()).contains("a".repeat(40)).contains("b".repeat(40)).contains("container 100");
    }
}
