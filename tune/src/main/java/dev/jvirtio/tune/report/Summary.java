package dev.jvirtio.tune.report;

import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;

import java.util.List;

/**
 * Counts of an audit's findings.
 *
 * @param failRisk      failed at {@link Severity#RISK}
 * @param failWarn      failed at {@link Severity#WARN}
 * @param failInfo      failed at {@link Severity#INFO}
 * @param pass          passed
 * @param notApplicable not applicable
 */
public record Summary(int failRisk, int failWarn, int failInfo, int pass, int notApplicable) {

    /** Counts {@code findings}. */
    public static Summary of(List<Finding> findings) {
        int risk = 0;
        int warn = 0;
        int info = 0;
        int pass = 0;
        int na = 0;
        for (Finding f : findings) {
            switch (f.outcome()) {
                case FAIL -> {
                    switch (f.severity()) {
                        case RISK -> risk++;
                        case WARN -> warn++;
                        case INFO -> info++;
                    }
                }
                case PASS -> pass++;
                case NOT_APPLICABLE -> na++;
            }
        }
        return new Summary(risk, warn, info, pass, na);
    }

    /** All failed findings. */
    public int failed() {
        return failRisk + failWarn + failInfo;
    }

    /** All findings. */
    public int total() {
        return failed() + pass + notApplicable;
    }

    /** One line: {@code "3 failed (1 risk, 2 warn, 0 info), 12 passed, 9 not applicable"}. */
    @Override
    public String toString() {
        return failed() + " failed (" + failRisk + " risk, " + failWarn + " warn, " + failInfo + " info), " + pass
                + " passed, " + notApplicable + " not applicable";
    }
}
