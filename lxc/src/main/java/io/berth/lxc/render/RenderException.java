package io.berth.lxc.render;

/** A container config that cannot be turned into an LXC config on this host; the message names key, value and what is allowed. */
public final class RenderException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public RenderException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
    }

    /** The container config key at fault, e.g. {@code net0}. */
    public String key() { return key; }
}
