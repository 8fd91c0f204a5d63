package dev.jvirtio.tune.plan;

/**
 * A plan cannot be made as asked: a CPU share for a guest that does not exist, a share a guest
 * cannot use. The message is one sentence naming the thing.
 */
public final class PlanException extends Exception {
    private static final long serialVersionUID = 1L;

    public PlanException(String message) {
        super(message);
    }
}
