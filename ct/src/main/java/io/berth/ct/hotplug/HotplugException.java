package io.berth.ct.hotplug;

/** A live change could not be applied; the message names the config key and what went wrong. */
public class HotplugException extends RuntimeException {
    public HotplugException(String message) {
        super(message);
    }

    public HotplugException(String message, Throwable cause) {
        super(message, cause);
    }
}
