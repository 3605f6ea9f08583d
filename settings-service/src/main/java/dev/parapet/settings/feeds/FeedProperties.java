package dev.parapet.settings.feeds;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How category feed subscriptions are fetched ({@code parapet.settings.feeds.*}).
 *
 * @param allowedDirectories    directories under which a {@code file:} source may lie; none by default, so production
 *                              fetches over http(s) only (the local stack allows its demo/feeds directory)
 * @param allowPrivateAddresses fetch from loopback, private, link-local and unique-local addresses (tests only): by
 *                              default a source, or a redirect, that resolves to one is refused, so a feed URL cannot
 *                              reach the platform's internal services
 * @param connectTimeout        to connect to a source
 * @param readTimeout           from the request to the response's head
 * @param fetchTimeout          the most one fetch may take, body included (a slower one fails), and the most its
 *                              outcome waits for the global writer
 * @param maxBytes              the most a feed may be, decompressed
 * @param maxRedirects          redirects followed (to http and https only)
 * @param checkEvery            how often an instance looks for subscriptions due
 */
public record FeedProperties(@DefaultValue("") List<Path> allowedDirectories,
                             @DefaultValue("false") boolean allowPrivateAddresses,
                             @DefaultValue("10s") Duration connectTimeout,
                             @DefaultValue("30s") Duration readTimeout,
                             @DefaultValue("2m") Duration fetchTimeout,
                             @DefaultValue("64MB") DataSize maxBytes,
                             @DefaultValue("3") int maxRedirects,
                             @DefaultValue("30s") Duration checkEvery) {

    /** The defaults, for code and tests that run without Spring's binding. */
    public static final FeedProperties DEFAULTS = new FeedProperties(List.of(), false, Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofMinutes(2), DataSize.ofMegabytes(64), 3, Duration.ofSeconds(30));

    public FeedProperties {
        allowedDirectories = allowedDirectories == null ? List.of()
                : allowedDirectories.stream().map(directory -> directory.toAbsolutePath().normalize()).toList();
        if (maxRedirects < 0 || maxBytes.toBytes() < 1 || checkEvery.isNegative() || checkEvery.isZero()) {
            throw new IllegalArgumentException("parapet.settings.feeds: max-redirects cannot be negative, max-bytes and check-every must be positive");
        }
    }
}
