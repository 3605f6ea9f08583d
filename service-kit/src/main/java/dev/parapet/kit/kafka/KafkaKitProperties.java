package dev.parapet.kit.kafka;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param replicationFactor replicas of every topic the service creates: 3 by default, as production needs
 *                          (a single-broker local stack or test sets 1)
 * @param minInsyncReplicas min.insync.replicas of those topics: 2 by default (1 with a single broker)
 * @param compression       producer compression codec
 * @param createTopics      whether the service creates missing catalogue topics at start-up
 */
@ConfigurationProperties("parapet.kafka")
public record KafkaKitProperties(@DefaultValue("3") short replicationFactor,
                                 @DefaultValue("2") int minInsyncReplicas,
                                 @DefaultValue("lz4") String compression,
                                 @DefaultValue("true") boolean createTopics) {
}
