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
        dev.parapet.kit.web.ReactorNettyFixes.apply();
        SpringApplication application = new SpringApplication(DnsServiceApplication.class);
        // A standalone block list is read while the context starts, not after: see Standalone.preload.
        application.addListeners((org.springframework.context.ApplicationListener<
                org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent>) event ->
                Standalone.preload(event.getEnvironment().getProperty("parapet.dns.standalone.blocklist", "")));
        application.run(args);
    }
}
