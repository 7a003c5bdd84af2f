package io.berth.api;

import java.util.Map;

/**
 * A request's failure as the client sees it: HTTP status, the message Proxmox puts in the status line, and for 400
 * the per-parameter messages of {@code {"errors":{...}}}. Everything else thrown by a handler is turned into one of
 * these by {@link ApiErrors#map}, in one place.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final Map<String, String> errors;

    public ApiException(int status, String message) { this(status, message, Map.of()); }

    public ApiException(int status, String message, Map<String, String> errors) {
        super(message);
        this.status = status;
        this.errors = Map.copyOf(errors);
    }

    /** 400 "Parameter verification failed." with the messages per parameter, as Proxmox sends it. */
    public static ApiException params(Map<String, String> errors) {
        return new ApiException(400, "Parameter verification failed.", errors);
    }

    public static ApiException param(String name, String message) { return params(Map.of(name, message)); }

    public static ApiException forbidden() { return new ApiException(403, "Permission check failed"); }

    public static ApiException notImplemented(String method, String path) {
        return new ApiException(501, "Method '" + method + " " + path + "' not implemented");
    }

    public int status() { return status; }

    public Map<String, String> errors() { return errors; }
}
