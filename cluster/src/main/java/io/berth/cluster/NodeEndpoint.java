package io.berth.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * A node-to-node call served by berthd at {@code /berth-node/v1/NAME[/REST]} (registered with
 * {@link ClusterHttp#register}): only requests signed by a node of the cluster ({@link NodeAuth}) reach it; others
 * get 403. The sending side uses {@link NodeClient#send}.
 */
@FunctionalInterface
public interface NodeEndpoint {
    /** A verified request: the sending node, the method, the path after the endpoint's name, the query, the body. */
    record Call(String from, String method, String rest, Map<String, String> query, InputStream body) {}

    /** The answer: status and content type first, then the body is written to the stream. */
    sealed interface Reply {
        /** A JSON answer {@code {"data": data}} with status 200. */
        record Json(Object data) implements Reply {}

        /** A streamed answer (e.g. volume data) with status 200. */
        record Stream(String contentType, Writer writer) implements Reply {}
    }

    @FunctionalInterface
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Failures are Berth's error kinds (mapped to their HTTP status, message in {@code {"message": ...}}). */
    Reply handle(Call call) throws IOException;
}
