package dev.jvirtio.cli;

import picocli.CommandLine;

/** The version line of {@code jvirtio --version}. */
final class Version implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"jvirtio " + (v == null ? "development build" : v) + " (Java " + Runtime.version() + ")"};
    }
}
