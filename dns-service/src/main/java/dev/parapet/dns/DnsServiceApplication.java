package dev.parapet.dns;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The filtering resolver: DNS over UDP, TCP, TLS and HTTPS, block pages, verdicts. */
@SpringBootApplication
@org.springframework.boot.context.properties.EnableConfigurationProperties({DnsProperties.class, Standalone.class,
        dev.parapet.dns.transport.DohTlsServer.Properties.class, dev.parapet.dns.transport.DotServer.Properties.class,
        dev.parapet.dns.limits.ListenerLimits.class,
        dev.parapet.dns.policy.AppliedReports.Properties.class, dev.parapet.dns.policy.LocationEndpointProperties.class,
        dev.parapet.dns.users.UserTokens.Properties.class, dev.parapet.dns.resolve.DnssecValidation.Properties.class})
public class DnsServiceApplication {

    public static void main(String[] args) {
        run(args);
    }

    /** Starts the service as {@link #main} does, and returns its context. */
    public static org.springframework.context.ConfigurableApplicationContext run(String... args) {
        dev.parapet.kit.web.ReactorNettyFixes.apply();
        // A standalone list named on the command line (as the benchmarks name it) is read from the first moment,
        // beside the JVM's and Spring's own start; one named elsewhere is read once the environment is prepared.
        Standalone.preload(new org.springframework.core.env.SimpleCommandLinePropertySource(args)
                .getProperty("parapet.dns.standalone.blocklist"));
        SpringApplication application = new SpringApplication(DnsServiceApplication.class);
        // Standalone mode answers DNS over UDP before the context exists, which then takes the same objects: see
        // StandaloneDns. The normal, Kafka-configured service is untouched by these hooks.
        java.util.concurrent.atomic.AtomicReference<StandaloneDns> early = new java.util.concurrent.atomic.AtomicReference<>();
        application.addListeners((org.springframework.context.ApplicationListener<
                org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent>) event -> {
            try {
                early.set(StandaloneDns.start(event.getEnvironment()));
            } catch (Exception e) {
                throw new IllegalStateException("standalone: the DNS path could not start: " + e.getMessage(), e);
            }
        });
        application.addInitializers(context -> {
            if (early.get() != null) {
                early.get().handTo(context);
            }
        });
        application.addListeners((org.springframework.context.ApplicationListener<
                org.springframework.boot.context.event.ApplicationFailedEvent>) event -> {
            if (early.get() != null) {
                early.get().stop(); // a context that failed to start must not leave the listener's threads behind
            }
        });
        return application.run(args);
    }
}
