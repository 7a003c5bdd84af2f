package io.berth.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** The one Jackson mapper of the API. */
public final class Json {
    /**
     * Jackson's default buffer pool is per thread, and every request runs on a new virtual thread: each response
     * allocated fresh 8-16 KB buffers (half of the backend's garbage per request). A shared bounded pool reuses them.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.newBoundedPool(32)).build())
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {}

    /**
     * The JSON of {@code o}. Answers are mostly trees of maps, lists, strings, numbers and booleans: those are
     * written straight to the generator (the same bytes as the mapper's, without its per-entry serializer lookups,
     * ~12% of the backend's CPU for GET status/current); anything else (records, JsonNodes, enums, ...) goes
     * through the mapper.
     */
    public static byte[] bytes(Object o) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(512)) {
            try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
                plain(g, o);
            }
            return out.toByteArray();
        } catch (NotPlain | IOException e) {
            try {
                return MAPPER.writeValueAsBytes(o);
            } catch (JsonProcessingException je) {
                throw new IllegalStateException("cannot serialize " + o.getClass(), je);
            }
        }
    }

    private static final class NotPlain extends RuntimeException {
        NotPlain() { super(null, null, false, false); }
    }

    private static final NotPlain NOT_PLAIN = new NotPlain();

    private static void plain(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Double d -> g.writeNumber(d);
            case Boolean b -> g.writeBoolean(b);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String k)) throw NOT_PLAIN;
                    g.writeFieldName(k);
                    plain(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object x : l) plain(g, x);
                g.writeEndArray();
            }
            default -> throw NOT_PLAIN;
        }
    }
}
