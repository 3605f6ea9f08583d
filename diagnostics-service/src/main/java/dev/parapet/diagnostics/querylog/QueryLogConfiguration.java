package dev.parapet.diagnostics.querylog;

import java.nio.file.Path;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.parapet.kit.kafka.RegistryProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** The query log: where it is (a directory or an object store), the reader of verdicts into it, its search and its retention. */
@Configuration
@EnableConfigurationProperties(QueryLogProperties.class)
public class QueryLogConfiguration {

    /** The directory, or the object store when one is configured (checked at the start: it must refuse a second create). */
    @Bean(destroyMethod = "close")
    ObjectStore queryLogStore(QueryLogProperties properties) {
        QueryLogProperties.ObjectStoreProperties objectStore = properties.objectStore();
        if (!objectStore.configured()) {
            return new DirectoryObjectStore(Path.of(properties.directory()));
        }
        return S3ObjectStore.open(objectStore.location(), Path.of(objectStore.cacheDirectory()), objectStore.cacheSize().toBytes(),
                objectStore.lease());
    }

    @Bean
    QueryLogFiles queryLogFiles(ObjectStore store) {
        return new QueryLogFiles(store);
    }

    @Bean
    QueryLogPrivacy queryLogPrivacy(QueryLogFiles files, QueryLogProperties properties) {
        return QueryLogPrivacy.open(files, properties.pseudonymKey());
    }

    @Bean(destroyMethod = "close")
    QueryLogSearch queryLogSearch(QueryLogFiles files, QueryLogProperties properties) {
        return new QueryLogSearch(files, properties.searchMemoryLimit(), properties.searchThreads());
    }

    @Bean
    RetentionSettings queryLogRetentionSettings(QueryLogFiles files, QueryLogProperties properties) {
        return new RetentionSettings(files, properties.retention().defaults());
    }

    @Bean(destroyMethod = "close")
    QueryLogRetention queryLogRetention(QueryLogFiles files, RetentionSettings settings) {
        return new QueryLogRetention(files, settings);
    }

    @Bean
    @ConditionalOnProperty(name = "parapet.diagnostics.query-log.retention.enabled", matchIfMissing = true)
    QueryLogRetentionSchedule queryLogRetentionSchedule(QueryLogRetention retention, QueryLogProperties properties) {
        return new QueryLogRetentionSchedule(retention, properties.retention().interval());
    }

    @Bean
    @ConditionalOnProperty(name = "parapet.diagnostics.query-log.enabled", matchIfMissing = true)
    QueryLogIngest queryLogIngest(KafkaProperties kafka, RegistryProperties registry, QueryLogFiles files, QueryLogPrivacy privacy,
                                  QueryLogProperties properties, MeterRegistry meters) {
        return new QueryLogIngest(kafka.buildConsumerProperties(), registry.url(), files, privacy, properties.batchSize(),
                properties.maxDelay(), meters);
    }
}
