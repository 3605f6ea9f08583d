package dev.parapet.settings.stream;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an agent's configuration stream stands: the versions of the account's agent settings and of
 * its exceptions that the agent has received. It is the id of every event ({@code s<settings>.e<exceptions>}),
 * so a reconnect with {@code Last-Event-ID} names exactly what the agent already has, on any instance:
 * versions are the writer's, not an instance's.
 */
public record StreamPosition(long settings, long exceptions) {

    private static final Pattern ID = Pattern.compile("s(\\d{1,18})\\.e(\\d{1,18})");

    /** The position an event id names; empty for no id or one that is not ours (the agent then gets a snapshot). */
    public static Optional<StreamPosition> parse(String lastEventId) {
        if (lastEventId == null) {
            return Optional.empty();
        }
        Matcher matcher = ID.matcher(lastEventId.strip());
        return matcher.matches()
                ? Optional.of(new StreamPosition(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))))
                : Optional.empty();
    }

    public String id() {
        return "s" + settings + ".e" + exceptions;
    }
}
