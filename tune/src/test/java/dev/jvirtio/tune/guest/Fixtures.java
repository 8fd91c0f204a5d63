package dev.jvirtio.tune.guest;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The guest configuration files under src/test/resources/guests. */
public final class Fixtures {

    private Fixtures() {
    }

    /** The path of fixture {@code name}. */
    public static Path guest(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/guests/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test fixture guests/" + name + " is missing", e);
        }
    }
}
