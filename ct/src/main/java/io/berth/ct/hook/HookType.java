package io.berth.ct.hook;

import io.berth.ct.CtException;

/** The LXC hooks Berth installs. */
public enum HookType {
    PRE_START("pre-start"), AUTODEV("autodev"), POST_STOP("post-stop");

    private final String lxcName;

    HookType(String lxcName) { this.lxcName = lxcName; }

    public String lxcName() { return lxcName; }

    public static HookType of(String name) {
        for (HookType t : values()) if (t.lxcName.equals(name)) return t;
        throw new CtException("hook type '" + name + "' is unknown; allowed: pre-start, autodev, post-stop");
    }
}
