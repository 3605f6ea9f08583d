package dev.parapet.dns.pages;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The block pages' settings and their secret. A missing secret is not fatal, so that a developer's
 * instance starts with nothing configured, but it is loud: devices that installed a CA would stop
 * trusting the pages after the next restart.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PagesProperties.class)
public class PagesConfiguration {

    private static final Logger log = LoggerFactory.getLogger(PagesConfiguration.class);

    @Bean
    PageSecret pageSecret(PagesProperties properties) {
        if (properties.caSecret() == null || properties.caSecret().isBlank()) {
            log.warn("parapet.dns.pages.ca-secret is not set: using a random one, so every account's block-page CA "
                    + "certificate changes at each restart and differs between instances. Set it to base64 of "
                    + "{} random bytes, the same on every instance.", PageSecret.MIN_BYTES);
            return PageSecret.random();
        }
        return PageSecret.fromBase64(properties.caSecret());
    }
}
