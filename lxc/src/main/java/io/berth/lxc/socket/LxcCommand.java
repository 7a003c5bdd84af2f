package io.berth.lxc.socket;

/**
 * The subset of LXC 5.0.2's {@code lxc_cmd_t} (src/lxc/commands.h) that Berth sends. The numbers are the enum
 * positions in that header; GET_STATE=3, GET_INIT_PID=4, STOP=2 and ADD_STATE_CLIENT=10 were confirmed with
 * strace of lxc-info, lxc-stop and lxc-wait.
 */
public enum LxcCommand {
    STOP(2),
    GET_STATE(3),
    GET_INIT_PID(4),
    GET_CGROUP(6),
    GET_NAME(8),
    GET_LXCPATH(9),
    ADD_STATE_CLIENT(10),
    FREEZE(15),
    UNFREEZE(16);

    private final int code;

    LxcCommand(int code) { this.code = code; }

    public int code() { return code; }
}
