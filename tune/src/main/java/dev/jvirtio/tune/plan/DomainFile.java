package dev.jvirtio.tune.plan;

import java.nio.file.Path;

/**
 * A domain XML file, rewritten atomically by apply.
 *
 * @param path the file, absolute
 */
public record DomainFile(Path path) implements DomainTarget {

    public DomainFile {
        path = path.toAbsolutePath().normalize();
    }

    @Override
    public String describe() {
        return path.toString();
    }
}
