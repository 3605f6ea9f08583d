package dev.parapet.agent;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A configuration event id, {@code s<settings version>.e<exceptions version>}, as settings-service
 * writes it. The settings part is what telemetry reports as {@code lastConfigVersionApplied}, which
 * diagnostics-service compares with the account's current settings version.
 */
public record StreamPosition(long settings, long exceptions) {

    private static final Pattern ID = Pattern.compile("s(\\d{1,18})\\.e(\\d{1,18})");

    public static Optional<StreamPosition> parse(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Matcher matcher = ID.matcher(id);
        return matcher.matches()
                ? Optional.of(new StreamPosition(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))))
                : Optional.empty();
    }

    public String id() {
        return "s" + settings + ".e" + exceptions;
    }
}
