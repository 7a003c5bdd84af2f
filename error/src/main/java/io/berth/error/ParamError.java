package io.berth.error;

/**
 * What is wrong with one parameter (config key, option, path component): the API reports these as Proxmox's
 * {@code {"errors":{"param":"msg"}}}, the CLI as {@code error: param: msg} lines.
 */
public record ParamError(String param, String message) {
    public ParamError {
        if (message == null || message.isBlank()) throw new IllegalArgumentException("ParamError without a message");
        param = param == null ? "" : param;
    }

    @Override public String toString() { return param.isEmpty() ? message : param + ": " + message; }
}
