package dev.parapet.dns.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one {@link DohConnection} saw, written by its event loop only: latencies of the queries answered
 * and failures by kind, for the queries the schedule meant to send inside the measured window (the
 * warm-up's are not counted), and what happened to the connection (connects, handshakes, closes, GOAWAYs),
 * counted over the whole run. {@link #merge} adds them up once the run is over.
 */
final class DohResults {

    /** The measured window, by the time the schedule meant each query to be sent. */
    static final class Window {
        volatile long from = Long.MAX_VALUE;
        volatile long until = Long.MAX_VALUE;

        boolean contains(long intendedNanos) {
            return intendedNanos >= from && intendedNanos < until;
        }
    }

    private final Window window;
    long[] latencies = new long[1 << 14];
    int answered;
    long sent;
    long connects;
    long handshakes;
    long closes;
    long goAways;
    final Map<String, Integer> failures = new TreeMap<>();
    final Map<String, Integer> events = new TreeMap<>();

    DohResults(Window window) {
        this.window = window;
    }

    void answered(long latencyNanos, long intendedNanos) {
        if (!window.contains(intendedNanos)) {
            return;
        }
        if (answered == latencies.length) {
            latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[answered++] = latencyNanos;
    }

    void failed(String kind, long intendedNanos) {
        if (window.contains(intendedNanos)) {
            failures.merge(kind, 1, Integer::sum);
        }
    }

    /** Something that happened to a connection, not to a query. */
    void event(String kind) {
        events.merge(kind, 1, Integer::sum);
    }

    int failed() {
        return failures.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The sum of several connections' results (copied: read once the event loops are done). */
    static DohResults merge(Window window, Iterable<DohResults> parts) {
        DohResults total = new DohResults(window);
        int size = 0;
        for (DohResults part : parts) {
            size += part.answered;
        }
        total.latencies = new long[Math.max(1, size)];
        for (DohResults part : parts) {
            System.arraycopy(part.latencies, 0, total.latencies, total.answered, part.answered);
            total.answered += part.answered;
            total.sent += part.sent;
            total.connects += part.connects;
            total.handshakes += part.handshakes;
            total.closes += part.closes;
            total.goAways += part.goAways;
            part.failures.forEach((kind, count) -> total.failures.merge(kind, count, Integer::sum));
            part.events.forEach((kind, count) -> total.events.merge(kind, count, Integer::sum));
        }
        Arrays.sort(total.latencies, 0, total.answered);
        return total;
    }

    /** The latency at a quantile (0.5, 0.99, 1 for the maximum) of the answered queries, in ms. */
    double quantileMillis(double quantile) {
        if (answered == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(answered - 1, Math.ceil(quantile * answered) - 1);
        return latencies[Math.max(0, index)] / 1e6;
    }
}
