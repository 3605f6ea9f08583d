package dev.parapet.kit.kafka;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param url          the schema registry's base URL, e.g. {@code http://127.0.0.1:18080}
 * @param autoRegister whether serializers register a schema the registry does not have yet (tests, the local
 *                     stack); production runs without ({@code false}): the deployment registers every schema
 *                     first ({@code SchemaRegistrationTool}), and services only look theirs up
 */
@ConfigurationProperties("parapet.registry")
public record RegistryProperties(@DefaultValue("http://127.0.0.1:8080") String url, @DefaultValue("true") boolean autoRegister) {

    @ConstructorBinding
    public RegistryProperties {
    }

    public RegistryProperties(String url) {
        this(url, true);
    }
}
