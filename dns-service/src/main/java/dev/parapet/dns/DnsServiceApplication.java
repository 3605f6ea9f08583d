package dev.parapet.dns;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The filtering resolver: DNS over UDP, TCP, TLS and HTTPS, block pages, verdicts. */
@SpringBootApplication
@org.springframework.boot.context.properties.EnableConfigurationProperties({DnsProperties.class, Standalone.class,
        dev.parapet.dns.transport.DohTlsServer.Properties.class, dev.parapet.dns.transport.DotServer.Properties.class,
        dev.parapet.dns.limits.ListenerLimits.class,
        dev.parapet.dns.policy.AppliedReports.Properties.class, dev.parapet.dns.policy.LocationEndpointProperties.class,
        dev.parapet.dns.users.UserTokens.Properties.class, dev.parapet.dns.resolve.DnssecValidation.Properties.class,
        dev.parapet.dns.preview.PolicyPreviewController.Properties.class})
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
        StandaloneDns.install(application); // standalone mode answers DNS before the context exists
        return application.run(args);
    }
}
