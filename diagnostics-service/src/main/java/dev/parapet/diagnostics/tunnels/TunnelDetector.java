package dev.parapet.diagnostics.tunnels;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Fills one {@link TunnelWindow} per client, registered domain and minute from the verdicts as they come, and says
 * when one is judged a tunnel by the {@link TunnelRules}: at the rules' minimum of distinct subdomains and again
 * every time as many more arrive, so a tunnel is found as soon as it has sent enough names, not when its minute
 * ends. Each window is reported once.
 *
 * <p>A slow tunnel, sending a few names a minute (exfiltration that keeps under any per-minute threshold), fills a
 * second window per client and registered domain that spans {@link #SPAN} ({@value #SPAN_MINUTES} minutes), judged
 * by the same rules: it is found at its 30th distinct name within the span. A span whose client was already found
 * in one of its minutes is not reported again.
 *
 * <p>Most queries are never looked at: a name shorter than {@link #MIN_NAME_LENGTH} characters carries too little
 * to matter (a tunnel's are 30 to 250), and that one comparison is all the work an ordinary query costs. The
 * registered domain of a longer name is found by the Public Suffix List once per distinct tail of the name
 * (its last five labels, all that decides the split; at most {@link #CACHED_TAILS} remembered). At most
 * {@link #MAX_WINDOWS} windows are open at once; past that no new one is opened until old minutes close, and
 * {@link #refused()} counts the queries not looked at. Not thread-safe: one stream task owns one detector.
 */
public final class TunnelDetector {

    public static final int MIN_NAME_LENGTH = 20;
    static final int MAX_WINDOWS = 100_000;
    static final int CACHED_TAILS = 20_000;
    static final long MINUTE = 60_000;
    static final int SPAN_MINUTES = 15;
    /** The long window, for slow tunnels. */
    static final long SPAN = SPAN_MINUTES * MINUTE;
    /** Names kept per window to show in a finding. */
    static final int EXAMPLES = 3;

    /** Who asked: the agent if any, else the source address (an office's clients behind one address are one client). */
    public record Client(UUID agentId, String userEmail, String address) {

        String key() {
            return agentId != null ? "agent:" + agentId : "address:" + address;
        }

        /** What tells clients apart in a window's key, without building {@link #key()} for every query: the agent, else the address. */
        Object identity() {
            return agentId != null ? agentId : address;
        }
    }

    /**
     * A window judged a tunnel: who, under which registered domain, in which window (its start, and its length: a
     * minute, or {@link #SPAN} for a slow tunnel), and why.
     */
    public record Suspicion(UUID accountId, Client client, String registeredDomain, Instant minute, Instant at, long queries,
                            int distinctSubdomains, List<String> reasons, List<String> examples, Duration window) {

        /** Whether it was found over {@link #SPAN} rather than in one minute. */
        public boolean slow() {
            return window.toMillis() > MINUTE;
        }
    }

    private static final class Open {
        final TunnelWindow window = new TunnelWindow();
        final List<String> examples = new ArrayList<>(EXAMPLES);
        boolean reported;
    }

    /** A window: its start, and its length ({@link #MINUTE} or {@link #SPAN}). */
    private record WindowKey(UUID account, Object client, String registered, long minute, long length) {

        /** The window of the same client and domain, {@code length} long, that holds {@code time}. */
        WindowKey holding(long time, long length) {
            return new WindowKey(account, client, registered, time - Math.floorMod(time, length), length);
        }
    }

    private final TunnelRules rules;
    private final Map<WindowKey, Open> windows = new HashMap<>();
    private final Map<String, String> registeredByTail = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHED_TAILS;
        }
    };
    private long refused;

    public TunnelDetector(TunnelRules rules) {
        this.rules = rules;
    }

    /** One query; a suspicion when it makes its window a tunnel for the first time. */
    public Optional<Suspicion> observe(UUID account, Client client, String name, String queryType, Instant at) {
        if (name.length() < MIN_NAME_LENGTH) {
            return Optional.empty();
        }
        RegisteredDomain split = split(name);
        if (split.subdomain().isEmpty()) {
            return Optional.empty();
        }
        long time = at.toEpochMilli();
        WindowKey minute = new WindowKey(account, client.identity(), split.registered(), time - Math.floorMod(time, MINUTE), MINUTE);
        WindowKey span = minute.holding(time, SPAN);
        Optional<Suspicion> found = observe(minute, account, client, split, name, queryType, at);
        if (found.isPresent()) {
            // Found in a minute of this span: the span says nothing more.
            Open slow = windows.get(span);
            if (slow == null && windows.size() < MAX_WINDOWS) {
                slow = new Open();
                windows.put(span, slow);
            }
            if (slow != null) {
                slow.reported = true;
            }
            return found;
        }
        return observe(span, account, client, split, name, queryType, at);
    }

    private Optional<Suspicion> observe(WindowKey key, UUID account, Client client, RegisteredDomain split, String name, String queryType,
                                        Instant at) {
        Open open = windows.get(key);
        if (open == null) {
            if (windows.size() >= MAX_WINDOWS) {
                refused++;
                return Optional.empty();
            }
            open = new Open();
            windows.put(key, open);
        }
        if (open.reported) {
            return Optional.empty();   // nothing more to learn from it: its names are not kept
        }
        int before = open.window.distinctSubdomains();
        open.window.add(split.subdomain(), queryType);
        int distinct = open.window.distinctSubdomains();
        if (distinct == before) {
            return Optional.empty();
        }
        if (open.examples.size() < EXAMPLES) {
            open.examples.add(name);
        }
        if (distinct < rules.minDistinct() || distinct % rules.minDistinct() != 0 && distinct != TunnelWindow.MAX_REMEMBERED) {
            return Optional.empty();
        }
        TunnelRules.Judgement judgement = rules.judge(open.window);
        if (!judgement.tunnel()) {
            return Optional.empty();
        }
        open.reported = true;
        List<String> reasons = judgement.reasons();
        if (key.length() > MINUTE) {
            reasons = new ArrayList<>(reasons);
            reasons.add(0, distinct + " distinct subdomains within " + SPAN_MINUTES + " minutes, fewer than " + rules.minDistinct()
                    + " in any one minute so far (a slow tunnel, or one across a minute's end)");
            reasons = List.copyOf(reasons);
        }
        return Optional.of(new Suspicion(account, client, split.registered(), Instant.ofEpochMilli(key.minute()), at,
                open.window.queries(), distinct, reasons, List.copyOf(open.examples), Duration.ofMillis(key.length())));
    }

    /** Closes the windows that ended more than a minute before {@code now} (late queries still count a while). */
    public void expire(Instant now) {
        long endedBefore = now.toEpochMilli() - MINUTE;
        for (Iterator<WindowKey> keys = windows.keySet().iterator(); keys.hasNext(); ) {
            WindowKey key = keys.next();
            if (key.minute() + key.length() < endedBefore) {
                keys.remove();
            }
        }
    }

    public int openWindows() {
        return windows.size();
    }

    /** Queries not looked at because {@link #MAX_WINDOWS} windows were open. */
    public long refused() {
        return refused;
    }

    private RegisteredDomain split(String name) {
        String tail = tail(name);
        String registered = registeredByTail.get(tail);
        if (registered == null) {
            registered = RegisteredDomain.of(tail).registered();
            registeredByTail.put(tail, registered);
        }
        String normal = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return new RegisteredDomain(registered, normal.length() > registered.length()
                ? normal.substring(0, normal.length() - registered.length() - 1) : "");
    }

    /** The name's last {@link RegisteredDomain#TAIL_LABELS} labels, lower case, without a trailing dot: all that decides its split. */
    static String tail(String name) {
        String normal = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        int start = normal.length();
        for (int labels = 0; labels < RegisteredDomain.TAIL_LABELS; labels++) {
            start = normal.lastIndexOf('.', start - 1);
            if (start < 0) {
                return normal.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return normal.substring(start + 1).toLowerCase(java.util.Locale.ROOT);
    }
}
