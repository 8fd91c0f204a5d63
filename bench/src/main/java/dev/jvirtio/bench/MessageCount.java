package dev.jvirtio.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Messages completed by one benchmark thread: chains served or round trips finished. JMH reports
 * the field as a rate ("messages", per second) next to the benchmark's own score.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class MessageCount {

    public long messages;

    @Setup(Level.Iteration)
    public void clear() {
        messages = 0;
    }
}
