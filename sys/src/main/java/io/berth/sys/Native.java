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
 * <p>Pattern for a sibling class (functions of integers and pointers share a few linked shapes, see {@link #fn}):
 * <pre>{@code
 * static final Native.Fn CLOSE = Native.fn("close");
 * try (Arena a = Arena.ofConfined()) {
 *     Native.call(a, () -> "close(" + fd + ")", CLOSE, fd);
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

    /**
     * A libc function returning {@code ret} (null for void) taking {@code args}, with errno capture. Each distinct
     * signature costs its own stub and LambdaForm classes: for integers and pointers use {@link #fn} instead.
     */
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

    /*
     * Shared shapes. Linking a downcall spins a stub class and ~14 LambdaForm classes per distinct FunctionDescriptor
     * (the JDK caches them by descriptor and options, not by symbol): with ~35 typed signatures that was ~450 classes
     * and ~1.3 MB of metaspace in berthd (docs/PERFORMANCE.md, berthd memory). So the libc functions of this package
     * that take only integers and pointers are all linked with one of four shapes of six long parameters, and raw
     * syscalls with one more: five stubs in all. On LP64 Linux (x86_64, aarch64) the first six integer or pointer
     * arguments travel in registers whatever their C type: an int or a pointer passed as a long arrives in the
     * register the callee reads (the low half for an int; ints are sign-extended, as C's conversion does), and the
     * registers after the callee's last parameter are ignored. Returns are typed (an int-returning function leaves the
     * upper half of its return register undefined), hence the int and long shapes.
     */
    private static final MemoryLayout[] SIX = {ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG};
    private static final FunctionDescriptor INT_SIX = FunctionDescriptor.of(ValueLayout.JAVA_INT, SIX);
    private static final FunctionDescriptor LONG_SIX = FunctionDescriptor.of(ValueLayout.JAVA_LONG, SIX);

    /** A libc function linked with a shared shape (see above): {@link #fn}, {@link #fnLong}, {@link #fnVariadic}. */
    record Fn(String name, MethodHandle handle, boolean returnsLong) {}

    /** A libc function returning int whose parameters are all integers or pointers (at most six). */
    static Fn fn(String name) {
        return new Fn(name, LINKER.downcallHandle(symbol(name), INT_SIX, CAPTURE), false);
    }

    /** As {@link #fn}, for a function returning long or ssize_t (read, write, recv, ...). */
    static Fn fnLong(String name) {
        return new Fn(name, LINKER.downcallHandle(symbol(name), LONG_SIX, CAPTURE), true);
    }

    /** A variadic libc function returning int (ioctl, fcntl: 2 fixed parameters; openat: 3), integer and pointer arguments. */
    static Fn fnVariadic(String name, int fixed) {
        return new Fn(name, LINKER.downcallHandle(symbol(name), INT_SIX, CAPTURE, Linker.Option.firstVariadicArg(fixed)), false);
    }

    /**
     * Calls {@code f} with up to six arguments (ints and longs as they are, pointers as {@link MemorySegment#address()});
     * a result of -1 raises {@link SysException} with the captured errno and {@code what} (built only on failure).
     */
    static long call(Arena arena, Supplier<String> what, Fn f, long... args) {
        MemorySegment st = arena.allocate(STATE);
        long r = invoke(f, st, args);
        if (r == -1) throw SysException.of(what.get(), errno(st));
        return r;
    }

    /** Like {@link #call} but returns -errno instead of throwing (for probes, retries and expected failures). */
    static long callRaw(Arena arena, Fn f, long... args) {
        MemorySegment st = arena.allocate(STATE);
        long r = invoke(f, st, args);
        return r == -1 ? -errno(st) : r;
    }

    private static long invoke(Fn f, MemorySegment st, long[] v) {
        if (v.length > 6) throw new IllegalArgumentException(f.name() + " with " + v.length + " arguments: at most 6");
        long a0 = arg(v, 0), a1 = arg(v, 1), a2 = arg(v, 2), a3 = arg(v, 3), a4 = arg(v, 4), a5 = arg(v, 5);
        try {
            return f.returnsLong() ? (long) f.handle().invokeExact(st, a0, a1, a2, a3, a4, a5)
                    : (int) f.handle().invokeExact(st, a0, a1, a2, a3, a4, a5);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    private static long arg(long[] v, int i) {
        return i < v.length ? v[i] : 0;
    }

    /** syscall(2): the number, then six arguments (unused ones 0; the kernel reads only the call's own). */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(symbol("syscall"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            CAPTURE, Linker.Option.firstVariadicArg(1));

    /**
     * Raw syscall(2) with the given number and up to 6 arguments (fds, flags and pointers as longs;
     * pointers via {@link MemorySegment#address()}). Used for the calls glibc 2.36 has no wrapper for.
     */
    static long syscall(Arena arena, Supplier<String> what, long nr, long... a) {
        return call(arena, syscallInvocation(nr, a), what);
    }

    /** The downcall of syscall(2) with {@code a} padded to six arguments, as an {@link Invocation}. */
    private static Invocation syscallInvocation(long nr, long... a) {
        if (a.length > 6) throw new IllegalArgumentException("syscall " + nr + " with " + a.length + " arguments: at most 6");
        long a0 = arg(a, 0), a1 = arg(a, 1), a2 = arg(a, 2), a3 = arg(a, 3), a4 = arg(a, 4), a5 = arg(a, 5);
        return st -> (long) SYSCALL.invokeExact(st, nr, a0, a1, a2, a3, a4, a5);
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
