package dev.parapet.dns.policy;

import java.util.UUID;

import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * What the policies say about one name for one client.
 *
 * @param action         what is done, named as the verdict log names it: ALLOWED (no policy stops it, an Allow
 *                       List, a domain exception (reason DOMAIN_EXCEPTION: never filtered, never logged), an
 *                       IP exception or an approved access request), BLOCKED (the block page), WARNED (the
 *                       warning page), ALLOWED_AFTER_WARNING (the client chose to continue), SAFESEARCH_REWRITTEN
 * @param reason         why (as logged)
 * @param policyId       the deciding policy, if a policy decided
 * @param policyName     its name, for the Extended DNS Error and the block page
 * @param categories     the category bits that decided (CATEGORY, ANONYMIZER), else 0
 * @param logMode        what the account's log settings say about this query
 * @param safeSearchHost for SAFESEARCH: the host the name is rewritten to
 */
public record Verdict(Action action, Reason reason, UUID policyId, String policyName, long categories,
                      LogMode logMode, String safeSearchHost) {

    static final Verdict EXCEPTION = new Verdict(Action.ALLOWED, Reason.DOMAIN_EXCEPTION, null, null, 0, LogMode.NOTHING, null);
    private static final Verdict[] DEFAULT_ALLOW = {
            allow(LogMode.EVERYTHING), allow(LogMode.BLOCKED_ONLY), allow(LogMode.NOTHING)};

    private static Verdict allow(LogMode mode) {
        return new Verdict(Action.ALLOWED, Reason.DEFAULT_ALLOW, null, null, 0, mode, null);
    }

    static Verdict defaultAllow(LogMode mode) {
        return DEFAULT_ALLOW[mode.ordinal()];
    }

    /** The same verdict with another action and reason (IP exception, CNAME, allowance after a warning). */
    public Verdict with(Action newAction, Reason newReason) {
        return new Verdict(newAction, newReason, policyId, policyName, categories, logMode, safeSearchHost);
    }

    /** A domain exception: resolved, never filtered, never logged. */
    public boolean bypasses() {
        return reason == Reason.DOMAIN_EXCEPTION;
    }

    /** Blocked or warned: answered with a page's address. */
    public boolean stops() {
        return action == Action.BLOCKED || action == Action.WARNED;
    }

    /** Whether the account's log settings let this verdict be logged. */
    public boolean logged() {
        return switch (logMode) {
            case EVERYTHING -> reason != Reason.DOMAIN_EXCEPTION;
            case BLOCKED_ONLY -> stops();
            case NOTHING -> false;
        };
    }
}
