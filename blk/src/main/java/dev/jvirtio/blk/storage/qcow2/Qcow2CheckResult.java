package dev.jvirtio.blk.storage.qcow2;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Qcow2Check} found, counted as {@code qemu-img check} counts it.
 *
 * @param complete false if the check could not finish (then {@link #failure} says why)
 * @param failure why the check could not finish, or null
 * @param corruptions references to clusters that are counted too low, misplaced or misflagged
 *     metadata: anything that can lose data
 * @param leaks clusters counted higher than they are referenced: wasted space, no harm to data
 * @param problems one line for each finding, as {@code qemu-img check} prints them (at most the
 *     first {@value Qcow2Check#MAX_PROBLEMS})
 * @param guestClusters clusters of the virtual disk
 * @param allocatedClusters guest clusters that have host data (standard, compressed or preallocated zero)
 * @param fragmentedClusters allocated clusters whose host cluster does not follow the previous one's
 * @param compressedClusters allocated clusters that are compressed
 * @param imageEndOffset the end of the last cluster with a refcount
 */
public record Qcow2CheckResult(boolean complete, String failure, long corruptions, long leaks, List<String> problems,
                               long guestClusters, long allocatedClusters, long fragmentedClusters,
                               long compressedClusters, long imageEndOffset) {

    public Qcow2CheckResult {
        problems = List.copyOf(problems);
    }

    /** A check that could not finish. */
    static Qcow2CheckResult incomplete(String why) {
        return new Qcow2CheckResult(false, Objects.requireNonNull(why), 0, 0, List.of(), 0, 0, 0, 0, 0);
    }

    /** Why the check could not finish, if it did not. */
    public Optional<String> failureReason() {
        return Optional.ofNullable(failure);
    }

    /**
     * {@code qemu-img check}'s exit code: 0 clean, 1 the check could not complete, 2 corruptions,
     * 3 leaks only.
     */
    public int exitCode() {
        if (!complete) {
            return 1;
        }
        if (corruptions > 0) {
            return 2;
        }
        return leaks > 0 ? 3 : 0;
    }
}
