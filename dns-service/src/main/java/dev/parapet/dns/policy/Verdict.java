package dev.parapet.dns.policy;

/**
 * What the policies say about one name.
 *
 * @param action   what to do
 * @param policy   the deciding policy's name, if a policy decided
 * @param reason   why, for logs and the Extended DNS Error's text
 */
public record Verdict(Action action, String policy, String reason) {

    public enum Action {
        /** A domain exception: resolved, never filtered, never logged. */
        BYPASS,
        /** No policy blocks it, or an Allow List allows it: resolved upstream. */
        ALLOW,
        /** A Block List blocks it. */
        BLOCK
    }

    static final Verdict NO_POLICY = new Verdict(Action.ALLOW, null, "no policy applies");
    static final Verdict EXCEPTION = new Verdict(Action.BYPASS, null, "domain exception");
}
