package io.berth.idmap;
import net.jqwik.api.*;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
class SmokeTest {
  @Test void junit() { assertThat(1).isEqualTo(1); }
  @Property void prop(@ForAll int x) { assertThat(x + 0).isEqualTo(x); }
}
