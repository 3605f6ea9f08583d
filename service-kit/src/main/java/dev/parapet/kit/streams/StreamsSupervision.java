package dev.parapet.kit.streams;

import java.util.List;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Keeps every Kafka Streams client of a service alive and says when it is not: a stream thread that
 * dies of an exception no handler took is replaced (and counted in
 * {@code parapet_streams_threads_replaced_total}), and the {@code streams} health component, part of
 * readiness, is UP only while every client is RUNNING or REBALANCING.
 */
@AutoConfiguration
@ConditionalOnClass({KafkaStreams.class, StreamsBuilderFactoryBean.class})
public class StreamsSupervision {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsSupervision.class);

    @Bean
    StreamsBuilderFactoryBeanConfigurer parapetReplaceDeadStreamThreads(MeterRegistry meters) {
        return factory -> factory.setStreamsUncaughtExceptionHandler(exception -> {
            meters.counter("parapet.streams.threads.replaced").increment();
            LOG.error("A stream thread died; replacing it (its tasks restart from their last commit)", exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    @Bean
    StreamsHealthIndicator streamsHealthIndicator(ObjectProvider<StreamsBuilderFactoryBean> factories) {
        return new StreamsHealthIndicator(factories);
    }

    /** UP while every Streams client runs (or rebalances); DOWN, with its state, otherwise. */
    public static final class StreamsHealthIndicator extends AbstractHealthIndicator {

        private final ObjectProvider<StreamsBuilderFactoryBean> factories;

        StreamsHealthIndicator(ObjectProvider<StreamsBuilderFactoryBean> factories) {
            super("Kafka Streams check failed");
            this.factories = factories;
        }

        @Override
        protected void doHealthCheck(Health.Builder builder) {
            List<StreamsBuilderFactoryBean> all = factories.orderedStream().toList();
            boolean up = true;
            for (StreamsBuilderFactoryBean factory : all) {
                KafkaStreams streams = factory.getKafkaStreams();
                String id = String.valueOf(factory.getStreamsConfiguration() == null ? "streams"
                        : factory.getStreamsConfiguration().getProperty("application.id", "streams"));
                if (streams == null) {
                    builder.withDetail(id, "NOT_STARTED");
                    up = false;
                    continue;
                }
                KafkaStreams.State state = streams.state();
                builder.withDetail(id, state.name());
                up &= state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
            }
            (up ? builder.up() : builder.down()).withDetail("clients", all.size());
        }
    }
}
