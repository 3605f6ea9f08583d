package dev.parapet.settings.feeds;

import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.stereotype.Component;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;

/**
 * Fetches the subscriptions that are due ({@link FeedSchedule}), on the one instance that runs the global writer
 * (the active task of {@code parapet.global-commands.v1}'s single partition): with several instances, one fetches
 * and the others wait. While the writer moves between instances, two may both fetch, or none for a moment; a
 * duplicate fetch is harmless because the writer records only a check newer than the last one and changes no
 * domain for a list whose content hash is the one in force.
 */
@Component
public class FeedScheduler implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(FeedScheduler.class);

    private final SettingsState state;
    private final SettingsProperties properties;
    private final FeedRefresher refresher;
    private final StreamsBuilderFactoryBean streams;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "category-feed-schedule");
        thread.setDaemon(true);
        return thread;
    });

    public FeedScheduler(SettingsState state, SettingsProperties properties, FeedRefresher refresher, StreamsBuilderFactoryBean streams) {
        this.state = state;
        this.properties = properties;
        this.refresher = refresher;
        this.streams = streams;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void start() {
        long every = properties.feeds().checkEvery().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    void tick() {
        try {
            if (!state.follower().isReady() || !runsGlobalWriter()) {
                return;
            }
            Instant now = Instant.now();
            state.feedSubscriptions().stream().filter(subscription -> FeedSchedule.isDue(subscription, now))
                    .sorted(Comparator.comparing(FeedSchedule::nextCheck))
                    .map(CategoryFeedSubscription::getCategoryId)
                    .forEach(refresher::refresh); // one being fetched is joined, not fetched again
        } catch (RuntimeException e) {
            LOG.warn("Looking for category feeds due failed; trying again at the next tick", e);
        }
    }

    /** Whether this instance runs the global writer now. */
    boolean runsGlobalWriter() {
        KafkaStreams kafkaStreams = streams.getKafkaStreams();
        if (kafkaStreams == null || kafkaStreams.state() != KafkaStreams.State.RUNNING) {
            return false;
        }
        TopicPartition global = new TopicPartition(Topics.GLOBAL_COMMANDS.name(), 0);
        return kafkaStreams.metadataForLocalThreads().stream().flatMap(thread -> thread.activeTasks().stream())
                .anyMatch(task -> task.topicPartitions().contains(global));
    }

    @Override
    public void destroy() {
        ticker.shutdownNow();
    }
}
