package dev.parapet.diagnostics.traffic;

/**
 * The counters kept per account and window, as store keys {@code <accountId>|<dimension>[:<value>]}.
 * All of an account's keys share its prefix, so one key-range fetch reads them. No prefix is the
 * start of another one ({@code l:} and {@code ls:}, {@code g:} and {@code gs:}…), so a dimension is
 * found by its prefix alone.
 */
public final class TrafficKeys {

    public static final String TOTAL = "t";
    /** Stopped: blocked or warned. */
    public static final String STOPPED = "s";
    /** Failed: let through, but not resolved (the upstream failed: {@link TrafficCounting#failed}). */
    public static final String FAILED = "f";
    public static final String ACTION = "a:";
    public static final String LOCATION = "l:";
    public static final String LOCATION_STOPPED = "ls:";
    public static final String LOCATION_FAILED = "lf:";
    public static final String AGENT = "g:";
    public static final String AGENT_STOPPED = "gs:";
    public static final String AGENT_FAILED = "gf:";
    public static final String USER = "u:";
    public static final String USER_STOPPED = "us:";
    public static final String USER_FAILED = "uf:";
    public static final String CATEGORY = "c:";
    public static final String CATEGORY_STOPPED = "cs:";
    public static final String CATEGORY_FAILED = "cf:";
    public static final String NAME_STOPPED = "ns:";
    /** Names let through and answered (NOERROR or NXDOMAIN). */
    public static final String NAME_ALLOWED = "na:";
    public static final String NAME_FAILED = "nf:";

    /** The start of the stores' own keys (markers, not counters): '~' sorts after every account id, so no account's range holds one. */
    public static final String OWN = "~";

    private TrafficKeys() {
    }

    /** Whether a store key is a counter, not one of the stores' own keys ({@link #OWN}). */
    public static boolean counter(String key) {
        return !key.startsWith(OWN);
    }

    public static String prefix(Object accountId) {
        return accountId + "|";
    }

    /** The first key after every key of the account ('|' + 1 is '}'). */
    public static String end(Object accountId) {
        return accountId + "}";
    }

    /** The dimension part of a key. */
    public static String dimension(String key) {
        return key.substring(key.indexOf('|') + 1);
    }
}
