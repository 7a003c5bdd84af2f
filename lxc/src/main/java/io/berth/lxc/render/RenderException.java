package io.berth.lxc.render;

import io.berth.error.InvalidInputException;
import io.berth.error.ParamError;
import java.util.List;

/**
 * A container config that cannot be turned into an LXC config on this host: the admin's input, so invalid input
 * (exit 2, HTTP 400) for the key at fault; the message names key, value and what is allowed.
 */
public final class RenderException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public RenderException(String key, String message) {
        super(key + ": " + message, List.of(new ParamError(key, message)));
        this.key = key;
    }

    /** The container config key at fault, e.g. {@code net0}. */
    public String key() { return key; }
}
