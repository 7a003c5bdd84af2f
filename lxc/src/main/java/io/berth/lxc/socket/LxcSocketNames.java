package io.berth.lxc.socket;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Abstract unix socket names as LXC 5.0.2 computes them ({@code lxc_make_abstract_socket_name} in
 * src/lxc/af_unix.c / utils.c), given without the leading NUL byte.
 */
public final class LxcSocketNames {
    /** {@code sizeof(sun_path) - 2}: one byte for the abstract NUL, one for the terminator LXC keeps. */
    static final int MAX_NAME = 106;
    private static final long FNV1A_64_INIT = 0xcbf29ce484222325L;
    private static final long FNV_64_PRIME = 0x100000001b3L;

    private LxcSocketNames() {}

    /**
     * The command socket of container {@code name} under {@code lxcpath}: {@code <lxcpath>/<name>/command}, or,
     * when that does not fit, {@code lxc/<fnv1a64("<lxcpath>/<name>")>/command} (checked on a 90-character lxcpath
     * against /proc/net/unix).
     */
    public static String command(String lxcpath, String name) {
        String plain = lxcpath + "/" + name + "/command";
        if (plain.getBytes(StandardCharsets.UTF_8).length < MAX_NAME) return plain;
        return "lxc/" + hex(fnv1a64((lxcpath + "/" + name).getBytes(StandardCharsets.UTF_8))) + "/command";
    }

    /** FNV-1a 64 bit as in LXC's {@code fnv_64a_buf}. */
    static long fnv1a64(byte[] data) {
        long h = FNV1A_64_INIT;
        for (byte b : data) {
            h ^= (b & 0xff);
            h *= FNV_64_PRIME;
        }
        return h;
    }

    private static String hex(long v) { return HexFormat.of().toHexDigits(v); }
}
