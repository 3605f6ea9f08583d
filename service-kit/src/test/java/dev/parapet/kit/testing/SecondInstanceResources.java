package dev.parapet.kit.testing;

import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * For a second instance started inside a test JVM. In production each instance is its own JVM; here
 * both share one, so the second must not use Reactor Netty's global event loops and connection pools:
 * closing it would dispose them under everything else. Deliberately not a {@code @Configuration}, so
 * that component scanning never picks it up.
 */
public class SecondInstanceResources {

    public SecondInstanceResources() {
    }

    @Bean
    public ReactorResourceFactory ownReactorResources() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }
}
