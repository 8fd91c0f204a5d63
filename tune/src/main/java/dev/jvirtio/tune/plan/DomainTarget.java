package dev.jvirtio.tune.plan;

/**
 * Where a guest's domain XML lives: a file that is rewritten, or a libvirt connection that defines
 * it.
 */
public sealed interface DomainTarget permits DomainFile, LibvirtDomain {

    /** How the target is named in plans and messages. */
    String describe();
}
