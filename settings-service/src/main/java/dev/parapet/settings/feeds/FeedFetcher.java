package dev.parapet.settings.feeds;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.web.ErrorResponseException;

import dev.parapet.kit.net.Cidr;
import dev.parapet.settings.categories.CategoryController;
import dev.parapet.settings.policies.DomainListImport;
import dev.parapet.settings.policies.ListEntries;
import reactor.core.Exceptions;

/**
 * Fetches a feed source, bounded in every way an outside server could abuse: connect and read timeouts, one deadline
 * for the whole fetch, a cap on the body after decompression, a few redirects and only to http(s), and (unless
 * allowed) no address that is not public, checked at every hop. Gzip is accepted by Content-Encoding or by its magic
 * bytes (feeds are often {@code .txt.gz} files served as they are). The lines are read by the same parser as the
 * domain-list imports ({@link DomainListImport}), with the same rules as a category's one-off import. Blocking: run
 * on a thread of its own, never an event loop.
 */
public final class FeedFetcher implements AutoCloseable {

    static final String USER_AGENT = "Parapet-category-feeds/1 (settings-service)";
    /** Validators longer than this, or with control characters, are not kept: they are sent back as headers. */
    static final int MAX_VALIDATOR_LENGTH = 256;
    /**
     * A feed's names put every name under them in the category; nobody confirms a suffix for a fetch, so a public
     * suffix or single label is a rejected line, and a private suffix is kept.
     */
    static final ListEntries RULES = new ListEntries(Set.of(), ListEntries.Effect.CATEGORISE);

    private final FeedProperties properties;
    private final HttpClient http;
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "category-feed-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    public FeedFetcher(FeedProperties properties) {
        this.properties = properties;
        this.http = HttpClient.newBuilder().connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public Fetched fetch(FeedSource source, ConditionalRequest conditional) {
        try {
            if (source instanceof FeedSource.File file) {
                return fetchFile(file.path(), conditional);
            }
            return fetchHttp(((FeedSource.Http) source).uri(), conditional);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Fetched.Failed("interrupted (the service is stopping)");
        }
    }

    private Fetched fetchHttp(URI start, ConditionalRequest conditional) throws InterruptedException {
        URI uri = start;
        for (int hop = 0; ; hop++) {
            Optional<String> refused = refusedAddress(uri);
            if (refused.isPresent()) {
                return new Fetched.Failed(refused.get());
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(properties.readTimeout()).GET()
                    .header("Accept-Encoding", "gzip").header("User-Agent", USER_AGENT);
            conditional.headers().forEach(request::header);
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpConnectTimeoutException e) {
                return new Fetched.Failed("could not connect to " + uri.getHost() + " within " + properties.connectTimeout().toSeconds() + " s");
            } catch (HttpTimeoutException e) {
                return new Fetched.Failed(uri.getHost() + " did not answer within " + properties.readTimeout().toSeconds() + " s");
            } catch (ConnectException e) {
                return new Fetched.Failed("could not connect to " + uri.getHost() + ": " + reason(e));
            } catch (IOException e) {
                return new Fetched.Failed("fetching " + uri + " failed: " + reason(e));
            }
            int status = response.statusCode();
            if (status == 304) {
                close(response.body());
                return new Fetched.NotModified(validator(response, "ETag"), validator(response, "Last-Modified"));
            }
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                close(response.body());
                Optional<String> location = response.headers().firstValue("Location");
                if (location.isEmpty()) {
                    return new Fetched.Failed("the source answered " + status + " without a Location");
                }
                if (hop >= properties.maxRedirects()) {
                    return new Fetched.Failed("more than " + properties.maxRedirects() + " redirects");
                }
                URI next;
                try {
                    next = uri.resolve(location.get().strip());
                } catch (IllegalArgumentException e) {
                    return new Fetched.Failed("the source redirected to an invalid URL");
                }
                String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
                    return new Fetched.Failed("the source redirected to " + scheme + ": only http and https are followed");
                }
                uri = next;
                continue;
            }
            if (status != 200) {
                close(response.body());
                return new Fetched.Failed("the source answered HTTP " + status);
            }
            String encoding = response.headers().firstValue("Content-Encoding").orElse("identity").strip().toLowerCase(Locale.ROOT);
            if (!encoding.equals("identity") && !encoding.equals("gzip") && !encoding.equals("x-gzip")) {
                close(response.body());
                return new Fetched.Failed("the source sent Content-Encoding " + encoding + " (only gzip is accepted)");
            }
            return read(response.body(), !encoding.equals("identity"), validator(response, "ETag"), validator(response, "Last-Modified"));
        }
    }

    private Fetched fetchFile(Path path, ConditionalRequest conditional) {
        try {
            Path real = path.toRealPath();
            boolean allowed = false;
            for (Path directory : properties.allowedDirectories()) {
                if (Files.isDirectory(directory) && real.startsWith(directory.toRealPath())) {
                    allowed = true;
                }
            }
            if (!allowed) {
                return new Fetched.Failed(path + " is not under a directory this instance allows (parapet.settings.feeds.allowed-directories)");
            }
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return new Fetched.Failed(path + " is not a file");
            }
            // A file's validators: its size and modification time, as a web server's would be.
            String etag = "\"" + attributes.size() + "-" + attributes.lastModifiedTime().toMillis() + "\"";
            String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(attributes.lastModifiedTime().toInstant().atOffset(ZoneOffset.UTC));
            if (etag.equals(conditional.etag())) {
                return new Fetched.NotModified(etag, lastModified);
            }
            return read(Files.newInputStream(real), false, etag, lastModified);
        } catch (NoSuchFileException e) {
            return new Fetched.Failed(path + " does not exist");
        } catch (IOException e) {
            return new Fetched.Failed("reading " + path + " failed: " + reason(e));
        }
    }

    /** Reads a body with the deadline and the size cap, gunzipping as told or as its first bytes say. */
    private Fetched read(InputStream body, boolean gzipEncoded, String etag, String lastModified) {
        long maxBytes = properties.maxBytes().toBytes();
        // Marked before the body is closed: the reader may see the close before the scheduled task is done.
        java.util.concurrent.atomic.AtomicBoolean expired = new java.util.concurrent.atomic.AtomicBoolean();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            expired.set(true);
            close(body);
        }, properties.fetchTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try (InputStream raw = new Capped(body, maxBytes)) {
            InputStream decoded = gzipEncoded ? new Capped(new GZIPInputStream(raw, 16 * 1024), maxBytes) : raw;
            BufferedInputStream sniffed = new BufferedInputStream(decoded, 16 * 1024);
            sniffed.mark(2);
            int first = sniffed.read();
            int second = sniffed.read();
            sniffed.reset();
            InputStream text = first == 0x1f && second == 0x8b ? new Capped(new GZIPInputStream(sniffed, 16 * 1024), maxBytes) : sniffed;
            DomainListImport.Result list = DomainListImport.readList(DataBufferUtils.readInputStream(() -> text,
                    DefaultDataBufferFactory.sharedInstance, 16 * 1024), RULES, CategoryController.MAX_FEED_DOMAINS).block();
            if (expired.get()) {
                return new Fetched.Failed("the fetch took longer than " + properties.fetchTimeout().toSeconds() + " s");
            }
            return new Fetched.Body(list.domains(), list.lines(), list.rejectedCount(), list.overLimit(), etag, lastModified);
        } catch (ErrorResponseException e) {
            return new Fetched.Failed(e.getBody().getDetail());
        } catch (IOException | RuntimeException e) {
            Throwable cause = Exceptions.unwrap(e);
            if (cause instanceof ErrorResponseException refused) {
                return new Fetched.Failed(refused.getBody().getDetail());
            }
            if (expired.get()) {
                return new Fetched.Failed("the fetch took longer than " + properties.fetchTimeout().toSeconds() + " s");
            }
            if (cause instanceof TooLarge) {
                return new Fetched.Failed("the feed is larger than " + properties.maxBytes().toMegabytes()
                        + " MiB decompressed (parapet.settings.feeds.max-bytes)");
            }
            if (cause instanceof ZipException || cause instanceof java.io.EOFException) {
                return new Fetched.Failed("the gzip data is corrupt or cut short: " + reason(cause));
            }
            return new Fetched.Failed("reading the feed failed: " + reason(cause));
        } finally {
            deadline.cancel(false);
        }
    }

    /** Why a host may not be fetched from: it resolves to an address that is not public (unless allowed). */
    private Optional<String> refusedAddress(URI uri) {
        if (properties.allowPrivateAddresses()) {
            return Optional.empty();
        }
        String host = uri.getHost();
        try {
            List<String> nonPublic = new ArrayList<>();
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!Cidr.isPublic(address)) {
                    nonPublic.add(address.getHostAddress());
                }
            }
            return nonPublic.isEmpty() ? Optional.empty() : Optional.of(host + " resolves to " + String.join(", ", nonPublic)
                    + ", not a public address: refused (parapet.settings.feeds.allow-private-addresses)");
        } catch (UnknownHostException e) {
            return Optional.of("cannot resolve " + host);
        }
    }

    private static String validator(HttpResponse<?> response, String header) {
        return response.headers().firstValue(header).map(String::strip)
                .filter(value -> !value.isEmpty() && value.length() <= MAX_VALIDATOR_LENGTH
                        && value.chars().noneMatch(c -> c < 0x20 || c == 0x7f))
                .orElse(null);
    }

    private static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static void close(InputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // closing is all that is left to do with it
        }
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
    }

    /** The body grew past the cap. */
    static final class TooLarge extends IOException {
        TooLarge() {
            super("too large");
        }
    }

    /** A stream that fails once more than {@code max} bytes were read from it. */
    static final class Capped extends InputStream {
        private final InputStream in;
        private final long max;
        private long read;

        Capped(InputStream in, long max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws TooLarge {
            read += n;
            if (read > max) {
                throw new TooLarge();
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
