package io.berth.lxc;

/**
 * LXC's {@code lxc_state_t} (LXC 5.0.2 {@code src/lxc/state.h}); the ordinal is the number LXC sends over the
 * command socket (verified with strace: a running container answers GET_STATE with 2).
 */
public enum LxcState {
    STOPPED, STARTING, RUNNING, STOPPING, ABORTING, FREEZING, FROZEN, THAWED;

    private static final LxcState[] BY_CODE = values();

    /** The wire number. */
    public int code() { return ordinal(); }

    /** The state for a wire number; refuses numbers LXC 5.0.2 does not define. */
    public static LxcState ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("LXC state number " + code + " is unknown: allowed are 0.." + (BY_CODE.length - 1));
        }
        return BY_CODE[code];
    }
}
