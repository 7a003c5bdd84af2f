package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * sethostname(2)/gethostname(2), and both inside another UTS namespace. The UTS namespace is per thread,
 * so joining one needs no unshare(CLONE_FS) (unlike a mount namespace); it is still done on a throwaway
 * platform thread so no JVM thread stays in the container's namespace.
 */
public final class Hostnames {
    private Hostnames() {}

    /** HOST_NAME_MAX on Linux. */
    public static final int MAX_LENGTH = 64;

    private static final Native.Fn SETHOSTNAME = Native.fn("sethostname");
    private static final Native.Fn GETHOSTNAME = Native.fn("gethostname");

    /** sethostname(2) in the calling thread's UTS namespace. */
    public static void set(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > MAX_LENGTH) {
            throw new IllegalArgumentException("hostname '" + name + "' must be 1 to " + MAX_LENGTH + " bytes long");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(b.length);
            MemorySegment.copy(b, 0, s, JAVA_BYTE, 0, b.length);
            long len = b.length;
            Native.call(a, () -> "sethostname(" + Native.q(name) + ", " + len + ")", SETHOSTNAME, s.address(), len);
        }
    }

    /** gethostname(2) of the calling thread's UTS namespace. */
    public static String get() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(MAX_LENGTH + 1);
            long len = MAX_LENGTH + 1;
            Native.call(a, () -> "gethostname(buf, " + len + ")", GETHOSTNAME, s.address(), len);
            return s.getString(0, StandardCharsets.UTF_8);
        }
    }

    /** The host name of the UTS namespace {@code utsns}. */
    public static String getIn(Fd utsns) {
        return inUts(utsns, Hostnames::get);
    }

    /** Sets the host name of the UTS namespace {@code utsns} (e.g. a running container's) and returns the old one. */
    public static String setIn(Fd utsns, String name) {
        return inUts(utsns, () -> {
            String old = get();
            set(name);
            return old;
        });
    }

    private static String inUts(Fd utsns, Namespaces.Task<String, RuntimeException> task) {
        return Namespaces.onIsolatedThread("uts", () -> {
            Namespaces.setns(utsns, Namespaces.CLONE_NEWUTS);
            return task.run();
        });
    }
}
