package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.List;

/**
 * MEM-SWAP: {@code vm.swappiness} about 10 on a host, about 30 inside a guest; never 0.
 */
public final class MemSwapRule implements Rule {

    /** The swappiness recommended on a host, and the range that passes there. */
    public static final long HOST_VALUE = 10;
    public static final long HOST_MIN = 1;
    public static final long HOST_MAX = 20;
    /** The swappiness recommended inside a guest, and the range that passes there. */
    public static final long GUEST_VALUE = 30;
    public static final long GUEST_MIN = 10;
    public static final long GUEST_MAX = 40;

    private static final String REASON = "The 2020 advice was vm.swappiness=0 to avoid swap. Since Linux 3.5, 0 means "
            + "swap only when memory is nearly exhausted, which invites the OOM killer to kill a guest instead; a "
            + "low value keeps guest memory resident on a host (about 10) and lets a guest drop page cache before "
            + "its applications (about 30).";

    private static final RuleInfo INFO = new RuleInfo("MEM-SWAP", "MEM", "Swappiness low, not zero", Severity.WARN,
            """
            MEM-SWAP: Swappiness low, not zero

            The 2020 text: avoid swap; set /proc/sys/vm/swappiness to 0.

            Today: swappiness weighs reclaiming anonymous memory (swapping) against dropping page cache. Since \
            Linux 3.5 ("mm: avoid swapping out with swappiness==0") a value of 0 no longer means "swap reluctantly" but "do not swap until \
            free and file-backed memory are nearly gone"; a host under pressure then has no gentle way out and the \
            OOM killer ends a whole guest. A low non-zero value keeps the guests' memory resident on a host, where \
            a swapped-out guest page costs a disk read on the next guest access: about 10. Inside a guest, about 30 \
            lets the guest drop page cache first while still paging out idle memory. With no swap area active the \
            value has nothing to act on.

            What jvirtio checks: /proc/sys/vm/swappiness against %d-%d on a host and %d-%d inside a guest, and \
            whether any swap area is active (/proc/swaps).

            Fix: sysctl -w vm.swappiness=%d (host) or %d (guest), and make it permanent in \
            /etc/sysctl.d/90-jvirtio-swappiness.conf."""
                    .formatted(HOST_MIN, HOST_MAX, GUEST_MIN, GUEST_MAX, HOST_VALUE, GUEST_VALUE));

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        boolean guest = host.virtualization().insideGuest();
        long value = guest ? GUEST_VALUE : HOST_VALUE;
        long min = guest ? GUEST_MIN : HOST_MIN;
        long max = guest ? GUEST_MAX : HOST_MAX;
        String role = guest ? "inside a guest" : "on a host";
        String expected = "about " + value + " " + role + " (" + min + "-" + max + "), not 0";
        if (host.vm().swappiness().isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "/proc/sys/vm/swappiness could not be read", expected,
                    REASON));
        }
        long swappiness = host.vm().swappiness().getAsLong();
        String found = "vm.swappiness=" + swappiness + " " + role;
        if (!host.memory().hasSwap()) {
            return List.of(INFO.pass(AuditContext.HOST, found + "; no swap area is active (/proc/swaps), so nothing "
                    + "is swapped", expected, REASON));
        }
        found += "; swap: " + String.join(", ", host.memory().swapDevices());
        if (swappiness >= min && swappiness <= max) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        String why = swappiness == 0 ? ": 0 swaps only near exhaustion since Linux 3.5"
                : swappiness > max ? ": too eager to swap" : ": lower than needed";
        return List.of(INFO.fail(AuditContext.HOST, found + why, expected, REASON,
                "sysctl -w vm.swappiness=" + value + "\necho 'vm.swappiness = " + value
                        + "' > /etc/sysctl.d/90-jvirtio-swappiness.conf"));
    }
}
