package dev.parapet.settings.feeds;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.parapet.schemas.v1.categories.CategoryFeedStatus;

/**
 * The validators of the last good copy, sent back so that an unchanged feed costs a 304 and no download:
 * {@code If-None-Match} from its ETag, {@code If-Modified-Since} from its Last-Modified. Only while a good copy
 * is in force: without one there is nothing to keep, and the whole feed is wanted.
 */
public record ConditionalRequest(String etag, String lastModified) {

    public static final ConditionalRequest NONE = new ConditionalRequest(null, null);

    public static ConditionalRequest of(CategoryFeedStatus status) {
        if (status.getContentHash() == null || status.getDomainsInForce() == 0) {
            return NONE;
        }
        return new ConditionalRequest(status.getEtag(), status.getLastModified());
    }

    /** The request headers, none when there are no validators. */
    public Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        if (etag != null && !etag.isBlank()) {
            headers.put("If-None-Match", etag);
        }
        if (lastModified != null && !lastModified.isBlank()) {
            headers.put("If-Modified-Since", lastModified);
        }
        return headers;
    }
}
