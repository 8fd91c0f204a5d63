package dev.jvirtio.linux;

/**
 * How {@link DirectFile#open} opens a file. Without {@link #WRITE} it is opened read-only; it is
 * always opened close-on-exec.
 */
public enum OpenFlag {
    /** {@code O_RDWR} instead of {@code O_RDONLY}. */
    WRITE,
    /**
     * {@code O_DIRECT}: bypass the page cache. Buffers, offsets and lengths must then be aligned
     * ({@link DirectFile#directMemoryAlignment()}, {@link DirectFile#directOffsetAlignment()}).
     */
    DIRECT,
    /** {@code O_DSYNC}: each write returns once its data is on stable storage. */
    DSYNC
}
