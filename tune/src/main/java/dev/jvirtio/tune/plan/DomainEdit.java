package dev.jvirtio.tune.plan;

import java.util.List;
import java.util.Objects;

/**
 * A change to one guest's domain XML for one practice.
 *
 * @param rule   the practice ID it fixes
 * @param guest  the guest's name (the subject of the finding)
 * @param domain where the domain XML lives
 * @param before the document as planned from
 * @param after  the document after {@code edit}
 * @param edit   the edit, applied again at apply time
 * @param what   one line on what changes ({@code "vCPUs 0-3 pinned to CPUs 1,9,2,10"})
 */
public record DomainEdit(String rule, String guest, DomainTarget domain, String before, String after,
                         DomainXmlEdit edit, String what) implements Change {

    public DomainEdit {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(edit, "edit");
        Objects.requireNonNull(what, "what");
    }

    @Override
    public String subject() {
        return guest;
    }

    @Override
    public String target() {
        return domain.describe();
    }

    @Override
    public String kind() {
        return "domain XML";
    }

    @Override
    public String from() {
        return "(see the difference)";
    }

    @Override
    public String to() {
        return what;
    }

    @Override
    public List<String> diff() {
        return LineDiff.unified(before, after, 1);
    }
}
