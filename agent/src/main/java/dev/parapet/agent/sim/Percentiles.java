package dev.parapet.agent.sim;

import java.util.Collection;

/** p50, p99 and max of a set of durations in nanoseconds, printed in milliseconds. */
record Percentiles(int count, double p50, double p99, double max) {

    static Percentiles of(Collection<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Percentiles(sorted.length, at(sorted, 0.50), at(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
    }

    private static double at(long[] sorted, double quantile) {
        int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    @Override
    public String toString() {
        return count == 0 ? "no samples" : String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)", p50, p99, max, count);
    }
}
