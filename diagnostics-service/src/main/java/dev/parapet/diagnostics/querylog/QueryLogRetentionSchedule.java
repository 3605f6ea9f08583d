package dev.parapet.diagnostics.querylog;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs {@link QueryLogRetention} every {@code interval} on a thread of its own, the first time a minute after
 * the start (or sooner, with a shorter interval), so that instances restarted more often than the interval still
 * apply it.
 */
public final class QueryLogRetentionSchedule implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(QueryLogRetentionSchedule.class);

    private final QueryLogRetention retention;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    public QueryLogRetentionSchedule(QueryLogRetention retention, Duration interval) {
        this.retention = retention;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "query-log-retention");
            thread.setDaemon(true);
            return thread;
        });
        long first = Math.min(interval.toMillis(), Duration.ofMinutes(1).toMillis());
        scheduler.scheduleWithFixedDelay(this::runOnce, first, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runOnce() {
        try {
            QueryLogRetention.Report report = retention.run(Instant.now());
            if (report.hoursDeleted() > 0 || report.filesRolledUp() > 0 || report.accountsFailed() > 0 || report.filesCompacted() > 0) {
                LOG.info("Query log retention: {}", report);
            }
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: the next interval tries again instead.
            LOG.warn("Query log retention failed", e);
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
