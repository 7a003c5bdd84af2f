package io.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.function.Supplier;

/**
 * The one place that builds downcall handles. Every handle made here captures errno, so callers in
 * this package never read a stale errno: the first parameter of each handle is the capture segment.
 *
 * <p>Pattern for a sibling class:
 * <pre>{@code
 * static final MethodHandle CLOSE = Native.libc("close", JAVA_INT, JAVA_INT);
 * try (Arena a = Arena.ofConfined()) {
 *     Native.call(a, st -> (int) CLOSE.invokeExact(st, fd), () -> "close(" + fd + ")");
 * }
 * }</pre>
 */
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    /** A libc function returning {@code ret} (null for void) taking {@code args}, with errno capture. */
    static MethodHandle libc(String name, MemoryLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), descriptor(ret, args), CAPTURE);
    }

    /** A variadic libc function (e.g. ioctl, fcntl): fixed parameters are the first {@code fixed} of {@code args}. */
    static MethodHandle libcVariadic(String name, int fixed, MemoryLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), descriptor(ret, args),
                CAPTURE, Linker.Option.firstVariadicArg(fixed));
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static FunctionDescriptor descriptor(MemoryLayout ret, MemoryLayout... args) {
        return ret == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(ret, args);
    }

    private static final MethodHandle[] SYSCALL = new MethodHandle[7];

    static {
        for (int n = 0; n <= 6; n++) {
            MemoryLayout[] args = new MemoryLayout[n + 1];
            java.util.Arrays.fill(args, ValueLayout.JAVA_LONG);
            // every argument is passed as a long: int varargs would leave the upper half of the
            // register undefined, and syscall(2) reads whole longs
            SYSCALL[n] = LINKER.downcallHandle(symbol("syscall"),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, args), CAPTURE, Linker.Option.firstVariadicArg(1));
        }
    }

    /**
     * Raw syscall(2) with the given number and up to 6 arguments (fds, flags and pointers as longs;
     * pointers via {@link MemorySegment#address()}). Used for the calls glibc 2.36 has no wrapper for.
     */
    static long syscall(Arena arena, Supplier<String> what, long nr, long... a) {
        return call(arena, syscallInvocation(nr, a), what);
    }

    /** The downcall of syscall(2) for {@code a.length} arguments, as an {@link Invocation}. */
    private static Invocation syscallInvocation(long nr, long... a) {
        MethodHandle h = SYSCALL[a.length];
        return st -> switch (a.length) {
            case 0 -> (long) h.invokeExact(st, nr);
            case 1 -> (long) h.invokeExact(st, nr, a[0]);
            case 2 -> (long) h.invokeExact(st, nr, a[0], a[1]);
            case 3 -> (long) h.invokeExact(st, nr, a[0], a[1], a[2]);
            case 4 -> (long) h.invokeExact(st, nr, a[0], a[1], a[2], a[3]);
            case 5 -> (long) h.invokeExact(st, nr, a[0], a[1], a[2], a[3], a[4]);
            case 6 -> (long) h.invokeExact(st, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            default -> throw new IllegalArgumentException("syscall with " + a.length + " arguments");
        };
    }

    /** Like {@link #syscall} but returns -errno instead of throwing. */
    static long syscallRaw(Arena arena, long nr, long... a) {
        return callRaw(arena, syscallInvocation(nr, a));
    }

    /** One native invocation; receives the errno capture segment. Return the C result widened to long. */
    @FunctionalInterface
    interface Invocation {
        long invoke(MemorySegment state) throws Throwable;
    }

    /**
     * Runs {@code inv}; a result of -1 raises {@link SysException} with the captured errno and the
     * description {@code what} (built lazily, only on failure).
     */
    static long call(Arena arena, Invocation inv, Supplier<String> what) {
        MemorySegment st = arena.allocate(STATE);
        long r = invoke(inv, st);
        if (r == -1) throw SysException.of(what.get(), errno(st));
        return r;
    }

    /** Like {@link #call} but returns -errno instead of throwing (for probes and expected failures). */
    static long callRaw(Arena arena, Invocation inv) {
        MemorySegment st = arena.allocate(STATE);
        long r = invoke(inv, st);
        return r == -1 ? -errno(st) : r;
    }

    private static long invoke(Invocation inv, MemorySegment st) {
        try {
            return inv.invoke(st);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** A C string argument; null stays NULL. */
    static MemorySegment cstr(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    /** Renders a string argument for error messages, quoted like strace does. */
    static String q(String s) {
        return s == null ? "NULL" : '"' + s + '"';
    }
}
