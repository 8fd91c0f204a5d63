package dev.jvirtio.tune.apply;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One transaction as {@code jvirtio history} lists it.
 *
 * @param id      the transaction's name, sortable by time ({@code 20250105T101112.345Z})
 * @param time    when it began; null when its journal cannot be read
 * @param changes how many changes it journaled
 * @param state   where it stands; {@code damaged: ...} when its journal cannot be read
 * @param rules   the practice IDs its changes fix, each once
 */
public record TransactionSummary(String id, Instant time, int changes, String state, List<String> rules) {
    public TransactionSummary {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        rules = List.copyOf(rules);
    }
}
