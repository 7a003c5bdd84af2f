package io.berth.ct.hotplug;

import io.berth.error.HostFailureException;

/**
 * A live change could not be applied on the host (a tool or a cgroup write failed); the message names the config
 * key and what went wrong. A host failure (HTTP 500, exit 1); refusals of the input itself are InvalidInput.
 */
public class HotplugException extends HostFailureException {
    public HotplugException(String message) {
        super(message);
    }

    public HotplugException(String message, Throwable cause) {
        super(message, cause);
    }
}
