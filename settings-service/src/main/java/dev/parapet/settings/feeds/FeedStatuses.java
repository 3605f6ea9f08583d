package dev.parapet.settings.feeds;

import java.time.Instant;

import dev.parapet.schemas.v1.categories.CategoryFeedStatus;

/**
 * How a subscription's status moves with each fetch. The domains in force, and the hash and validators
 * (ETag, Last-Modified) of the copy they came from, change only with a good copy that differs: a failure
 * or an empty list leaves them as they were.
 */
public final class FeedStatuses {

    private FeedStatuses() {
    }

    /** A new subscription: never checked, nothing in force from it. */
    public static CategoryFeedStatus initial() {
        return CategoryFeedStatus.newBuilder().build();
    }

    /**
     * The subscription now points elsewhere: the validators belonged to the old source and the new one is due at once;
     * the domains in force (and their hash) stay until the new source brings a good copy.
     */
    public static CategoryFeedStatus sourceChanged(CategoryFeedStatus status) {
        return CategoryFeedStatus.newBuilder(status).setLastCheckedAt(null).setConsecutiveFailures(0).setLastError(null)
                .setEtag(null).setLastModified(null).build();
    }

    /** 304 Not Modified (or a file unchanged): checked and good; the source's newer validators, if it sent any, kept. */
    public static CategoryFeedStatus notModified(CategoryFeedStatus status, Instant startedAt, String etag, String lastModified) {
        return succeeded(status, startedAt).setEtag(etag != null ? etag : status.getEtag())
                .setLastModified(lastModified != null ? lastModified : status.getLastModified()).build();
    }

    /** A good copy equal to the one in force: checked and good, its validators remembered, no domain changed. */
    public static CategoryFeedStatus unchanged(CategoryFeedStatus status, Instant startedAt, String etag, String lastModified,
                                               long rejectedLines) {
        return succeeded(status, startedAt).setEtag(etag).setLastModified(lastModified).setRejectedLines(rejectedLines).build();
    }

    /** A good copy that differs: it is now in force. */
    public static CategoryFeedStatus changed(CategoryFeedStatus status, Instant startedAt, String etag, String lastModified,
                                             long rejectedLines, long domains, String contentHash) {
        return succeeded(status, startedAt).setEtag(etag).setLastModified(lastModified).setRejectedLines(rejectedLines)
                .setLastChangedAt(startedAt).setDomainsInForce(domains).setContentHash(contentHash).build();
    }

    /** A failed fetch or an unusable copy: counted and said; everything in force stays. */
    public static CategoryFeedStatus failed(CategoryFeedStatus status, Instant startedAt, String error) {
        return CategoryFeedStatus.newBuilder(status).setLastCheckedAt(startedAt)
                .setConsecutiveFailures(status.getConsecutiveFailures() + 1).setLastError(error).build();
    }

    private static CategoryFeedStatus.Builder succeeded(CategoryFeedStatus status, Instant startedAt) {
        return CategoryFeedStatus.newBuilder(status).setLastCheckedAt(startedAt).setLastSuccessAt(startedAt)
                .setConsecutiveFailures(0).setLastError(null);
    }
}
