package dev.parapet.diagnostics.siem;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.parapet.kit.kafka.RegistryProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** The SIEM exports: one {@link SiemExport} per configured destination (none by default). */
@Configuration
@EnableConfigurationProperties(SiemProperties.class)
public class SiemConfiguration {

    /** Every export, each a lifecycle of its own; built here so that a bad destination stops the start. */
    @Bean
    SiemExports siemExports(SiemProperties properties, KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters) {
        String hostname = hostname(properties);
        return new SiemExports(properties.destinations().stream()
                .map(destination -> new SiemExport(destination.account(), destination.group(),
                        new Syslog(destination.facility(), hostname, destination.format()),
                        new SyslogTls(destination, properties.connectTimeout()), kafka.buildConsumerProperties(), registry.url(),
                        properties, meters))
                .toList());
    }

    /**
     * The destinations accounts' administrators set (settings-service), each exported as the operator's are; not on an
     * instance with {@code parapet.diagnostics.siem.account-destinations=false} (one that must not connect out).
     */
    @Bean
    @ConditionalOnProperty(name = "parapet.diagnostics.siem.account-destinations", havingValue = "true", matchIfMissing = true)
    AccountSiemDestinations accountSiemDestinations(SiemProperties properties, KafkaProperties kafka, RegistryProperties registry,
                                                    MeterRegistry meters) {
        return new AccountSiemDestinations(properties, hostname(properties), kafka.buildConsumerProperties(), registry.url(), meters);
    }

    /** The HOSTNAME of every message: the configured one, else this machine's name. */
    private static String hostname(SiemProperties properties) {
        if (!properties.hostname().isEmpty()) {
            return properties.hostname();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("parapet.diagnostics.siem.hostname is not set and this machine's name cannot be found", e);
        }
    }

    /** The exports, started and stopped together with the application. */
    record SiemExports(List<SiemExport> exports) implements SmartLifecycle {

        @Override
        public void start() {
            exports.forEach(SiemExport::start);
        }

        @Override
        public void stop() {
            // Every export told first, then each waited for until one deadline: destinations stuck in a connection
            // attempt stop in the time of the slowest, not of all of them one after another.
            exports.forEach(SiemExport::signalStop);
            long deadline = System.nanoTime() + SiemExport.STOP_TIMEOUT.toNanos();
            exports.forEach(export -> export.awaitStopped(deadline));
        }

        @Override
        public boolean isRunning() {
            return exports.stream().anyMatch(SiemExport::isRunning);
        }
    }
}
