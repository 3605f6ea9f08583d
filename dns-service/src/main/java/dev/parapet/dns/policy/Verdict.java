package dev.parapet.dns.policy;

import java.util.UUID;

import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * What the policies say about one name for one client.
 *
 * @param action         what to do
 * @param reason         why (as logged)
 * @param policyId       the deciding policy, if a policy decided
 * @param policyName     its name, for the Extended DNS Error and the block page
 * @param categories     the category bits that decided (CATEGORY, ANONYMIZER), else 0
 * @param logMode        what the account's log settings say about this query
 * @param safeSearchHost for SAFESEARCH: the host the name is rewritten to
 */
public record Verdict(Action action, Reason reason, UUID policyId, String policyName, long categories,
                      LogMode logMode, String safeSearchHost) {

    public enum Action {
        /** A domain exception: resolved, never filtered, never logged. */
        BYPASS,
        /** No policy stops it, or an Allow List allows it: resolved upstream. */
        ALLOW,
        /** Answered with the block page. */
        BLOCK,
        /** Answered with the warning page unless the client chose to continue. */
        WARN,
        /** Rewritten to the search engine's safe-search host. */
        SAFESEARCH,
        /** WARN, and the client chose to continue: resolved upstream. */
        CONTINUED
    }

    static final Verdict EXCEPTION = new Verdict(Action.BYPASS, Reason.OTHER, null, null, 0, LogMode.NOTHING, null);
    private static final Verdict[] DEFAULT_ALLOW = {
            allow(LogMode.EVERYTHING), allow(LogMode.BLOCKED_ONLY), allow(LogMode.NOTHING)};

    private static Verdict allow(LogMode mode) {
        return new Verdict(Action.ALLOW, Reason.DEFAULT_ALLOW, null, null, 0, mode, null);
    }

    static Verdict defaultAllow(LogMode mode) {
        return DEFAULT_ALLOW[mode.ordinal()];
    }

    /** The same verdict with another action and reason (IP exception, CNAME, allowance after a warning). */
    public Verdict with(Action newAction, Reason newReason) {
        return new Verdict(newAction, newReason, policyId, policyName, categories, logMode, safeSearchHost);
    }

    public boolean stops() {
        return action == Action.BLOCK || action == Action.WARN;
    }

    /** Whether the account's log settings let this verdict be logged. */
    public boolean logged() {
        return switch (logMode) {
            case EVERYTHING -> action != Action.BYPASS;
            case BLOCKED_ONLY -> stops();
            case NOTHING -> false;
        };
    }
}
