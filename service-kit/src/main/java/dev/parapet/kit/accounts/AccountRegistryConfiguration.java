package dev.parapet.kit.accounts;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;

import dev.parapet.kit.kafka.KafkaKitConfiguration;
import dev.parapet.kit.kafka.RegistryProperties;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Every service follows the account registry, which the administrator API's security chain consults
 * ({@link AccountSuspensionFilter}). {@code parapet.accounts.follow=false} turns it off where there is
 * no Kafka at all (dns-service's standalone benchmark mode); suspensions are then not enforced.
 */
@AutoConfiguration(after = {KafkaAutoConfiguration.class, KafkaKitConfiguration.class})
@ConditionalOnProperty(name = "parapet.accounts.follow", havingValue = "true", matchIfMissing = true)
public class AccountRegistryConfiguration {

    @Bean
    @ConditionalOnMissingBean
    AccountRegistry accountRegistry(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters) {
        return new AccountRegistry(kafka.buildConsumerProperties(), registry.url(), meters);
    }
}
