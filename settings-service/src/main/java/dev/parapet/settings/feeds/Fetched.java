package dev.parapet.settings.feeds;

import java.util.List;

/** What fetching a source gave, before it is judged ({@link FeedOutcome}). */
public sealed interface Fetched {

    /** The source said its copy has not changed since the validators sent (304), or a file is as it was. */
    record NotModified(String etag, String lastModified) implements Fetched {
    }

    /**
     * A body, read by the domain-list parser: its distinct normalised domains, how many lines were not domains, and
     * whether it held more than one feed may.
     */
    record Body(List<String> domains, long lines, long rejectedLines, boolean overLimit, String etag, String lastModified)
            implements Fetched {
    }

    /** No usable answer: why, for the operator. */
    record Failed(String error) implements Fetched {
    }
}
