package dev.parapet.kit.kafka;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** @param url the schema registry's base URL, e.g. {@code http://127.0.0.1:18080} */
@ConfigurationProperties("parapet.registry")
public record RegistryProperties(@DefaultValue("http://127.0.0.1:8080") String url) {
}
