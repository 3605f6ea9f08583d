package dev.parapet.agent;

import java.util.Optional;

/**
 * Server-sent events, line by line (the WHATWG event-stream rules the configuration stream follows):
 * {@code event:}, {@code id:} and {@code data:} fields, one optional space after the colon, several
 * {@code data:} lines joined by newlines, comment lines ({@code :keep-alive}) and unknown fields
 * ignored, and an event dispatched at the blank line that ends it. The last id is kept across events,
 * as the spec says, because it is what a reconnect sends as {@code Last-Event-ID}. Pure: the
 * connection that feeds it lines lives in {@link ConfigurationStream}.
 */
public final class SseParser {

    /** One event; {@code id} is the stream's last event id when it was dispatched (may be null). */
    public record Event(String id, String name, String data) {
    }

    /** Data beyond this is refused: a configuration is a few KiB; this bounds a hostile stream's memory. */
    static final int MAX_DATA_CHARS = 16 * 1024 * 1024;

    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String name = "";
    private String lastEventId;

    public SseParser(String lastEventId) {
        this.lastEventId = lastEventId;
    }

    /** Feeds one line (without its line ending); answers the event this line completed, if any. */
    public Optional<Event> line(String line) {
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.charAt(0) == ':') {
            return Optional.empty();
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> name = value;
            case "data" -> {
                if (data.length() + value.length() + 1 > MAX_DATA_CHARS) {
                    throw new IllegalStateException("event data over " + MAX_DATA_CHARS + " characters");
                }
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value.isEmpty() ? null : value;
                }
            }
            default -> {
                // "retry" and unknown fields: the agent keeps its own backoff
            }
        }
        return Optional.empty();
    }

    public String lastEventId() {
        return lastEventId;
    }

    private Optional<Event> dispatch() {
        if (!hasData) {
            name = "";
            return Optional.empty();
        }
        Event event = new Event(lastEventId, name.isEmpty() ? "message" : name, data.toString());
        data.setLength(0);
        hasData = false;
        name = "";
        return Optional.of(event);
    }
}
