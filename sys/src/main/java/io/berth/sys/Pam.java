package io.berth.sys;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;

/**
 * Password checks through the host's PAM stack (libpam): {@code pam_start}, {@code pam_authenticate},
 * {@code pam_acct_mgmt}, {@code pam_end}. The conversation answers every prompt with the given password; replies are
 * malloc'ed because PAM frees them. Must run as root to check other users' passwords (pam_unix reads /etc/shadow).
 */
public final class Pam {
    private static final int PAM_SUCCESS = 0;
    private static final int PAM_PROMPT_ECHO_OFF = 1;
    private static final int PAM_PROMPT_ECHO_ON = 2;
    private static final int PAM_BUF_ERR = 5;
    private static final int PAM_CONV_ERR = 19;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final class Lib {
        static final MethodHandle START, AUTH, ACCT, END, STRERROR, MALLOC, CALLOC;
        static final MethodHandle CONV;

        static {
            Linker l = Linker.nativeLinker();
            SymbolLookup pam = SymbolLookup.libraryLookup("libpam.so.0", Arena.global());
            SymbolLookup libc = l.defaultLookup();
            START = l.downcallHandle(pam.findOrThrow("pam_start"), FunctionDescriptor.of(ValueLayout.JAVA_INT, PTR, PTR, PTR, PTR));
            AUTH = l.downcallHandle(pam.findOrThrow("pam_authenticate"), FunctionDescriptor.of(ValueLayout.JAVA_INT, PTR, ValueLayout.JAVA_INT));
            ACCT = l.downcallHandle(pam.findOrThrow("pam_acct_mgmt"), FunctionDescriptor.of(ValueLayout.JAVA_INT, PTR, ValueLayout.JAVA_INT));
            END = l.downcallHandle(pam.findOrThrow("pam_end"), FunctionDescriptor.of(ValueLayout.JAVA_INT, PTR, ValueLayout.JAVA_INT));
            STRERROR = l.downcallHandle(pam.findOrThrow("pam_strerror"), FunctionDescriptor.of(PTR, PTR, ValueLayout.JAVA_INT));
            MALLOC = l.downcallHandle(libc.findOrThrow("malloc"), FunctionDescriptor.of(PTR, ValueLayout.JAVA_LONG));
            CALLOC = l.downcallHandle(libc.findOrThrow("calloc"), FunctionDescriptor.of(PTR, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            try {
                CONV = MethodHandles.lookup().findStatic(Pam.class, "conversation",
                        MethodType.methodType(int.class, byte[].class, int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** Why a check failed, as PAM words it. */
    public static final class PamException extends Exception {
        public PamException(String message) { super(message); }
    }

    private Pam() {}

    /** Succeeds when PAM service {@code service} accepts {@code user}'s {@code password} and the account is valid. */
    public static void authenticate(String service, String user, String password) throws PamException {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MethodHandle bound = MethodHandles.insertArguments(Lib.CONV, 0, (Object) pw);
            MemorySegment stub = Linker.nativeLinker().upcallStub(bound,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, PTR, PTR, PTR), a);
            MemorySegment conv = a.allocate(16, 8);
            conv.set(PTR, 0, stub);
            conv.set(PTR, 8, MemorySegment.NULL);
            MemorySegment handleOut = a.allocate(PTR);
            int rc = (int) Lib.START.invokeExact(a.allocateFrom(service), a.allocateFrom(user), conv, handleOut);
            if (rc != PAM_SUCCESS) throw new PamException("pam_start(" + service + ") failed: " + rc);
            MemorySegment h = handleOut.get(PTR, 0);
            rc = (int) Lib.AUTH.invokeExact(h, 0);
            if (rc == PAM_SUCCESS) rc = (int) Lib.ACCT.invokeExact(h, 0);
            String why = rc == PAM_SUCCESS ? "" : message(h, rc);
            int ignored = (int) Lib.END.invokeExact(h, rc);
            if (rc != PAM_SUCCESS) throw new PamException(why);
        } catch (PamException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("PAM call failed: " + t, t);
        } finally {
            java.util.Arrays.fill(pw, (byte) 0);
        }
    }

    private static String message(MemorySegment h, int rc) throws Throwable {
        MemorySegment s = (MemorySegment) Lib.STRERROR.invokeExact(h, rc);
        return s.equals(MemorySegment.NULL) ? "PAM error " + rc : s.reinterpret(4096).getString(0);
    }

    @SuppressWarnings("unused") // called from native code through the upcall stub
    private static int conversation(byte[] password, int n, MemorySegment msgs, MemorySegment respOut, MemorySegment appdata) {
        try {
            MemorySegment resp = (MemorySegment) Lib.CALLOC.invokeExact((long) n, 16L);
            if (resp.equals(MemorySegment.NULL)) return PAM_BUF_ERR;
            resp = resp.reinterpret(16L * n);
            MemorySegment array = msgs.reinterpret(8L * n);
            for (int i = 0; i < n; i++) {
                MemorySegment m = array.getAtIndex(PTR, i).reinterpret(16);
                int style = m.get(ValueLayout.JAVA_INT, 0);
                if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
                    MemorySegment s = ((MemorySegment) Lib.MALLOC.invokeExact((long) password.length + 1)).reinterpret(password.length + 1L);
                    MemorySegment.copy(password, 0, s, ValueLayout.JAVA_BYTE, 0, password.length);
                    s.set(ValueLayout.JAVA_BYTE, password.length, (byte) 0);
                    resp.set(PTR, 16L * i, s);
                }
            }
            respOut.reinterpret(8).set(PTR, 0, resp);
            return PAM_SUCCESS;
        } catch (Throwable t) {
            return PAM_CONV_ERR;
        }
    }
}
