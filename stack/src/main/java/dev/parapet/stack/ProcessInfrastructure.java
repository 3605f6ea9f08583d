package dev.parapet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real broker and a real registry as child processes of this JVM, on free loopback ports. */
public final class ProcessInfrastructure implements Infrastructure {

    private final KafkaCluster kafka;
    private final SchemaRegistry registry;
    private final TokenIssuer tokens;

    /** Infrastructure made of servers already running (the local stack starts its own, with fixed ports). */
    public ProcessInfrastructure(KafkaCluster kafka, SchemaRegistry registry, TokenIssuer tokens) {
        this.kafka = kafka;
        this.registry = registry;
        this.tokens = tokens;
    }

    public static ProcessInfrastructure start(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StackDistribution distribution = StackDistribution.locate();
        KafkaCluster kafka = KafkaCluster.single(distribution, directory.resolve("kafka"), Ports.free(), Ports.free());
        try {
            SchemaRegistry registry = SchemaRegistry.start(distribution, directory.resolve("registry"), Ports.free(),
                    Ports.free(), new SchemaRegistry.Storage.InMemory());
            return new ProcessInfrastructure(kafka, registry, TokenIssuer.inDirectory(directory.resolve("issuer")));
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    public KafkaCluster kafka() {
        return kafka;
    }

    public SchemaRegistry registry() {
        return registry;
    }

    @Override
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public String registryUrl() {
        return registry.url();
    }

    @Override
    public TokenIssuer tokens() {
        return tokens;
    }

    @Override
    public void close() {
        registry.close();
        kafka.close();
    }
}
