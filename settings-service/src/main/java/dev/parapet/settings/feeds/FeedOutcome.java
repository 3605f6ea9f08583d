package dev.parapet.settings.feeds;

import java.util.List;

import dev.parapet.schemas.v1.categories.CategoryFeedStatus;
import dev.parapet.schemas.v1.settings.CategoryFeedCheckOutcome;
import dev.parapet.settings.categories.CategoryController;
import dev.parapet.settings.policies.PolicyDecisions;

/**
 * What a fetch leads to: a new list to import, or only a check to record. The rule that keeps the last good
 * copy lives here: nothing but a usable list that differs from the one in force replaces it. A failed fetch,
 * an empty list, a list that is mostly not domains, or one too large for a feed is a failure; the category
 * keeps its domains.
 */
public sealed interface FeedOutcome {

    /** The longest error kept in a status. */
    int MAX_ERROR_LENGTH = 500;

    /** Nothing to import: record what the fetch found. */
    record Check(CategoryFeedCheckOutcome outcome, String error, String etag, String lastModified, long rejectedLines)
            implements FeedOutcome {
    }

    /** A good copy that differs from the one in force. */
    record Import(List<String> domains, String etag, String lastModified, long rejectedLines) implements FeedOutcome {
    }

    static FeedOutcome of(Fetched fetched, CategoryFeedStatus status) {
        if (fetched instanceof Fetched.NotModified notModified) {
            return new Check(CategoryFeedCheckOutcome.NOT_MODIFIED, null, notModified.etag(), notModified.lastModified(),
                    status.getRejectedLines());
        }
        if (fetched instanceof Fetched.Body body) {
            return ofBody(body, status);
        }
        return failure(((Fetched.Failed) fetched).error());
    }

    private static FeedOutcome ofBody(Fetched.Body body, CategoryFeedStatus status) {
        if (body.overLimit()) {
            return failure("the feed lists more than " + CategoryController.MAX_FEED_DOMAINS + " domains or "
                    + PolicyDecisions.MAX_LIST_BYTES / (1024 * 1024)
                    + " MiB of them, the most one category feed may hold (it travels to the writer as one Kafka record); "
                    + "split it or filter it at the source");
        }
        if (body.domains().isEmpty()) {
            return failure("the feed lists no domains (" + body.lines() + " lines read, " + body.rejectedLines()
                    + " not domains): an empty or unusable copy never replaces the domains in force");
        }
        if (body.rejectedLines() > body.domains().size()) {
            return failure("most of the feed is not domains (" + body.rejectedLines() + " lines refused, "
                    + body.domains().size() + " domains): not a domain list or hosts file, or an error page");
        }
        if (FeedContent.hash(body.domains()).equals(status.getContentHash())) {
            return new Check(CategoryFeedCheckOutcome.UNCHANGED, null, body.etag(), body.lastModified(), body.rejectedLines());
        }
        return new Import(body.domains(), body.etag(), body.lastModified(), body.rejectedLines());
    }

    private static Check failure(String error) {
        String said = error == null || error.isBlank() ? "failed" : error.strip();
        if (said.length() > MAX_ERROR_LENGTH) {
            said = said.substring(0, MAX_ERROR_LENGTH) + "…";
        }
        return new Check(CategoryFeedCheckOutcome.FAILED, said, null, null, 0);
    }
}
