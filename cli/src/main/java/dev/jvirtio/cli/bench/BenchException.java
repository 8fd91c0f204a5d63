package dev.jvirtio.cli.bench;

/** A benchmark that cannot run or failed, said in one sentence for the user; no stack trace is shown. */
final class BenchException extends Exception {

    private static final long serialVersionUID = 1L;

    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
