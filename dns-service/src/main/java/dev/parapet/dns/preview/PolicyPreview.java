package dev.parapet.dns.preview;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.schemas.v1.verdicts.Action;

/**
 * A policy change replayed over recorded traffic: every distinct (name, user, device, location) of the query log
 * decided twice with the resolver's own decision ({@link Snapshot#decide}), once with the configuration in force
 * and once with the proposed one, and what would change counted in queries, names, users, devices and locations.
 * Pure: no Kafka, no HTTP; fed tuple by tuple, so a week of traffic is never held in memory, only the counts.
 */
public final class PolicyPreview {

    /** Pseudonyms in an account's log (they match no user's policy: the user is not known). */
    static final String PSEUDONYM_PREFIX = "anon-";
    static final int MAX_NAME = 253;

    /** One distinct tuple of the log and how many queries it stands for. */
    public record Tuple(String name, String user, UUID agent, UUID location, long queries) {
    }

    /** A name, user, device or location, and its queries. */
    public record Counted(String key, long queries) {
    }

    /**
     * The queries whose outcome would become one thing (blocked, warned, allowed): how many, for how many distinct
     * names, users, devices (agents) and locations, and the most queried of each.
     */
    public record Change(long queries, long names, long users, long devices, long locations, List<Counted> topNames,
                         List<Counted> topUsers, List<Counted> topDevices, List<Counted> topLocations) {
    }

    /** From one action to another: the queries and tuples that would move. */
    public record Transition(String from, String to, long queries, long tuples) {
    }

    /**
     * The whole answer.
     *
     * @param tuples             the tuples replayed
     * @param queries            the queries they stand for
     * @param changedQueries     the queries whose action would change
     * @param pseudonymousTuples tuples whose user the log holds as a pseudonym (replayed as an unknown user)
     * @param skippedTuples      tuples whose name the resolver could not have decided (not a name it writes)
     * @param wouldBlock         queries that would be BLOCKED and are not now
     * @param wouldWarn          queries that would be WARNED and are not now
     * @param wouldAllow         queries blocked or warned now that would be allowed (or rewritten)
     * @param transitions        every change of action, the most queries first
     * @param loggingChanges     changes of whether the query would be logged (Log Settings), as "logged"/"not logged"
     */
    public record Result(long tuples, long queries, long changedQueries, long pseudonymousTuples, long skippedTuples,
                         Change wouldBlock, Change wouldWarn, Change wouldAllow, List<Transition> transitions,
                         List<Transition> loggingChanges) {
    }

    private final UUID accountId;
    private final Snapshot current;
    private final Snapshot proposed;
    private final int top;
    private final Tally blocking = new Tally();
    private final Tally warning = new Tally();
    private final Tally allowing = new Tally();
    private final Map<Action, Map<Action, Count>> transitions = new EnumMap<>(Action.class);
    /** Queries logged now that would not be, and the other way round. */
    private final Count unlogging = new Count();
    private final Count logging = new Count();
    private long tuples;
    private long queries;
    private long changed;
    private long pseudonymous;
    private long skipped;

    /**
     * @param top how many of each (names, users, devices, locations) to name
     */
    public PolicyPreview(UUID accountId, Snapshot current, Snapshot proposed, int top) {
        this.accountId = accountId;
        this.current = current;
        this.proposed = proposed;
        this.top = top;
    }

    /** Replays one tuple. */
    public void replay(Tuple tuple) {
        if (tuple.queries() <= 0) {
            return;
        }
        tuples++;
        queries += tuple.queries();
        byte[] name = decidable(tuple.name());
        if (name == null) {
            skipped++;
            return;
        }
        String user = tuple.user();
        if (user != null && user.startsWith(PSEUDONYM_PREFIX)) {
            pseudonymous++;
        }
        Snapshot.Attribution who = new Snapshot.Attribution(accountId, tuple.location(), tuple.agent(), user);
        Verdict now = current.decide(who, name, name.length);
        Verdict then = proposed.decide(who, name, name.length);
        if (now.logged() != then.logged()) {
            (now.logged() ? unlogging : logging).add(tuple.queries());
        }
        if (now.action() == then.action()) {
            return;
        }
        changed += tuple.queries();
        transitions.computeIfAbsent(now.action(), a -> new EnumMap<>(Action.class))
                .computeIfAbsent(then.action(), a -> new Count()).add(tuple.queries());
        if (then.action() == Action.BLOCKED) {
            blocking.add(tuple);
        } else if (then.action() == Action.WARNED) {
            warning.add(tuple);
        } else if (now.stops() && !then.stops()) {
            allowing.add(tuple);
        }
    }

    /** What the replay found. */
    public Result result() {
        List<Transition> moves = new ArrayList<>();
        transitions.forEach((from, to) -> to.forEach((into, count) -> moves.add(count.as(from.name(), into.name()))));
        moves.sort(Comparator.comparingLong(Transition::queries).reversed().thenComparing(Transition::from).thenComparing(Transition::to));
        List<Transition> logs = new ArrayList<>();
        if (unlogging.tuples > 0) {
            logs.add(unlogging.as("logged", "not logged"));
        }
        if (logging.tuples > 0) {
            logs.add(logging.as("not logged", "logged"));
        }
        return new Result(tuples, queries, changed, pseudonymous, skipped, blocking.change(top), warning.change(top),
                allowing.change(top), moves, logs);
    }

    /**
     * The name as the resolver decides it (lower-case ASCII, no trailing dot, at most 253 characters), or null for one it
     * never writes so (the log holds what dns-service wrote; anything else is not replayed).
     */
    static byte[] decidable(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME || name.endsWith(".")) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7e || c < 0x21 || c >= 'A' && c <= 'Z') {
                return null;
            }
        }
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /** Queries and the tuples they came in. */
    private static final class Count {

        private long queries;
        private long tuples;

        void add(long more) {
            queries += more;
            tuples++;
        }

        Transition as(String from, String to) {
            return new Transition(from, to, queries, tuples);
        }
    }

    /** The queries of one kind of change, and by whom. */
    private static final class Tally {

        private long queries;
        private final Map<String, Long> names = new HashMap<>();
        private final Map<String, Long> users = new HashMap<>();
        private final Map<String, Long> devices = new HashMap<>();
        private final Map<String, Long> locations = new HashMap<>();

        void add(Tuple tuple) {
            queries += tuple.queries();
            names.merge(tuple.name(), tuple.queries(), Long::sum);
            if (tuple.user() != null) {
                users.merge(tuple.user(), tuple.queries(), Long::sum);
            }
            if (tuple.agent() != null) {
                devices.merge(tuple.agent().toString(), tuple.queries(), Long::sum);
            }
            if (tuple.location() != null) {
                locations.merge(tuple.location().toString(), tuple.queries(), Long::sum);
            }
        }

        Change change(int top) {
            return new Change(queries, names.size(), users.size(), devices.size(), locations.size(), top(names, top),
                    top(users, top), top(devices, top), top(locations, top));
        }

        private static List<Counted> top(Map<String, Long> counts, int top) {
            return counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(top).map(entry -> new Counted(entry.getKey(), entry.getValue())).toList();
        }
    }
}
