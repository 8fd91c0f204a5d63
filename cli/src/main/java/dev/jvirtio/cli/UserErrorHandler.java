package dev.jvirtio.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Prints errors users can meet as one line ({@code jvirtio: ...}) with exit code 1. Anything else
 * is a bug and keeps its stack trace.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (e instanceof UserError || e instanceof IOException || e instanceof UncheckedIOException) {
            cl.getErr().println("jvirtio: " + e.getMessage());
            return 1;
        }
        e.printStackTrace(cl.getErr());
        return 1;
    }
}
