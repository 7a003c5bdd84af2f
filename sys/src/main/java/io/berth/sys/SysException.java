package io.berth.sys;

import io.berth.error.HostFailureException;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A failed system call: names the call with its arguments and the errno, e.g.
 * {@code open_tree("/srv/x", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC): ENOENT (No such file or directory)}.
 */
public class SysException extends HostFailureException {
    private final String call;

    public SysException(String call, int errno) {
        super(call + ": " + errnoName(errno) + " (" + describe(errno) + ")", errno, null);
        this.call = call;
    }

    /** For failures that are not a plain errno (e.g. a kernel message from an fs context log). */
    public SysException(String call, int errno, String detail) {
        super(call + ": " + errnoName(errno) + " (" + describe(errno) + ")" + (detail.isEmpty() ? "" : ": " + detail), errno, null);
        this.call = call;
    }

    static SysException of(String call, int errno) {
        return new SysException(call, errno);
    }

    /** The call with its arguments, as rendered in the message. */
    public String call() { return call; }

    /** E.g. {@code "ENOENT"}, or {@code "errno 133"} for numbers {@link Errno} does not list. */
    public String errnoName() { return errnoName(errno()); }

    public boolean is(Errno e) { return e.number() == errno(); }

    private static String errnoName(int errno) {
        return Errno.of(errno).map(Enum::name).orElse("errno " + errno);
    }

    private static final MethodHandle STRERROR = Native.LINKER.downcallHandle(
            Native.LIBC.find("strerror").orElseThrow(),
            java.lang.foreign.FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** The C library's text for errno (strerror returns static strings for known numbers in glibc). */
    public static String describe(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

}
