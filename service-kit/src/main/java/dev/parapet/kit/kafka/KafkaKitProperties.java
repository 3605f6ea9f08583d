package dev.parapet.kit.kafka;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param replicationFactor replicas of every topic the service creates (3 in production, 1 locally)
 * @param minInsyncReplicas min.insync.replicas of those topics (2 in production)
 * @param compression       producer compression codec
 * @param createTopics      whether the service creates missing catalogue topics at start-up
 */
@ConfigurationProperties("parapet.kafka")
public record KafkaKitProperties(@DefaultValue("1") short replicationFactor,
                                 @DefaultValue("1") int minInsyncReplicas,
                                 @DefaultValue("lz4") String compression,
                                 @DefaultValue("true") boolean createTopics) {
}
