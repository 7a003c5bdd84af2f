package io.berth.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The one Jackson mapper of the API. */
public final class Json {
    /**
     * Jackson's default buffer pool is per thread, and every request runs on a new virtual thread: each response
     * allocated fresh 8-16 KB buffers (half of the backend's garbage per request). A shared bounded pool reuses them.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.newBoundedPool(32)).build())
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {}

    public static byte[] bytes(Object o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + o.getClass(), e);
        }
    }
}
