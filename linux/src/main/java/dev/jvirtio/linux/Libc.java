package dev.jvirtio.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/** The C library's symbols as method handles, and the facts about the machine they depend on. */
@SuppressWarnings("restricted") // native access is this package's purpose
final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** The processor architecture, for the few constants and layouts that differ between them. */
    enum Arch { X86_64, AARCH64 }

    static final Arch ARCH = detectArch();

    private Libc() {
    }

    /**
     * A downcall to {@code name} whose first parameter is the errno capture segment
     * ({@link Errno#state()}), followed by the parameters of {@code descriptor}.
     */
    static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO);
    }

    /**
     * Like {@link #withErrno(String, FunctionDescriptor)} for a variadic C function whose variadic
     * arguments start at parameter {@code firstVariadic} of {@code descriptor}.
     */
    static MethodHandle withErrnoVariadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO,
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A downcall to {@code name} for functions that cannot fail or whose errno is not needed. */
    static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    /**
     * Converts what a downcall's {@code invokeExact} threw into an unchecked exception to rethrow.
     * Downcalls throw nothing checked; anything they throw is a programming error.
     */
    static RuntimeException unexpected(Throwable thrown) {
        if (thrown instanceof RuntimeException runtime) {
            return runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("native call failed unexpectedly", thrown);
    }

    /** Rejects memory the kernel cannot be given: heap segments and segments of a closed arena. */
    static void requireNative(MemorySegment segment, String what) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException(what + " must be a native memory segment, not a heap segment");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(what + " belongs to an arena that is already closed");
        }
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("the C library has no function " + name));
    }

    private static Arch detectArch() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new UnsupportedOperationException("dev.jvirtio.linux needs Linux, not " + os);
        }
        return switch (arch) {
            case "amd64", "x86_64" -> Arch.X86_64;
            case "aarch64", "arm64" -> Arch.AARCH64;
            default -> throw new UnsupportedOperationException(
                    "dev.jvirtio.linux supports x86-64 and AArch64, not " + arch);
        };
    }
}
