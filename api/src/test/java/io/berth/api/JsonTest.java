package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Json.bytes writes plain trees itself: its bytes must be the mapper's, and anything else must still serialize. */
class JsonTest {
    record Rec(String name, int n) {}

    enum Kind { A }

    @Test void plainTreesComeOutAsTheMapperWritesThem() throws Exception {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("status", "running");
        status.put("vmid", 8900);
        status.put("uptime", 123456789012L);
        status.put("cpu", 0.0123456789);
        status.put("cpus", 2.0);
        status.put("big", 1e300);
        status.put("ha", Map.of("managed", 0));
        status.put("lock", null);
        status.put("template", Boolean.FALSE);
        status.put("name", "ü \"quoted\" \\ \n\t\u0001 \u2028 😀");
        status.put("tags", new ArrayList<>(Arrays.asList("a", null, 1, List.of())));
        status.put("empty", new TreeMap<>());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", 1);
        body.put("data", status);
        assertThat(new String(Json.bytes(body), StandardCharsets.UTF_8)).isEqualTo(new String(Json.MAPPER.writeValueAsBytes(body), StandardCharsets.UTF_8));
        for (Object o : new Object[]{null, "x", 1, List.of(1, 2), Map.of()}) {
            assertThat(Json.bytes(o)).isEqualTo(Json.MAPPER.writeValueAsBytes(o));
        }
    }

    @Test void otherValuesGoThroughTheMapper() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rec", new Rec("r", 1));
        m.put("kind", Kind.A);
        m.put("f", 0.1f);
        m.put("node", Json.MAPPER.readTree("{\"a\":[1,2]}"));
        Map<Object, Object> intKeys = new LinkedHashMap<>();
        intKeys.put(1, "one");
        m.put("ints", intKeys);
        assertThat(new String(Json.bytes(m), StandardCharsets.UTF_8)).isEqualTo(new String(Json.MAPPER.writeValueAsBytes(m), StandardCharsets.UTF_8))
                .contains("\"rec\":{\"name\":\"r\",\"n\":1}").contains("\"kind\":\"A\"").contains("\"f\":0.1").contains("\"1\":\"one\"");
    }
}
