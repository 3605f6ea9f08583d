package dev.parapet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Apache Kafka node in KRaft mode, run as its own JVM ({@code kafka.Kafka}) from Kafka's own jars.
 * Its storage is formatted on first start only, so a node given the same directory again
 * keeps its data.
 */
public final class KafkaNode implements AutoCloseable {

    public enum Role { BROKER, CONTROLLER, COMBINED }

    /**
     * @param nodeId         the node.id
     * @param role           broker, controller, or both in one process
     * @param brokerPort     the client listener (0 for a controller-only node)
     * @param controllerPort the controller listener (0 for a broker-only node)
     * @param voters         controller.quorum.voters, e.g. {@code 1@127.0.0.1:9093}
     * @param directory      holds the node's configuration, log file and data
     * @param settings       broker settings that override the defaults
     * @param javaOptions     the node's JVM options
     * @param formatArguments further arguments of {@code kafka-storage format} (SCRAM users: {@link KafkaSecurity})
     */
    public record Spec(int nodeId, Role role, int brokerPort, int controllerPort, String voters,
                       Path directory, Map<String, String> settings, List<String> javaOptions, List<String> formatArguments) {

        /** The JVM as tests run it: the garbage-first collector and both compilers, for throughput. */
        public static final List<String> THROUGHPUT = List.of("-XX:+UseG1GC");

        /**
         * The JVM as the local stack runs it by default: the serial collector and the client compiler
         * only, which start the broker on half the CPU time (9 s instead of 18 s on the 2-core machine
         * here) and in two thirds of the memory, ample for one developer's traffic.
         */
        public static final List<String> QUICK_START = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

        public Spec(int nodeId, Role role, int brokerPort, int controllerPort, String voters, Path directory,
                    Map<String, String> settings) {
            this(nodeId, role, brokerPort, controllerPort, voters, directory, settings, THROUGHPUT);
        }

        public Spec(int nodeId, Role role, int brokerPort, int controllerPort, String voters, Path directory,
                    Map<String, String> settings, List<String> javaOptions) {
            this(nodeId, role, brokerPort, controllerPort, voters, directory, settings, javaOptions, List.of());
        }
    }

    private final Spec spec;
    private final ManagedProcess process;

    private KafkaNode(Spec spec, ManagedProcess process) {
        this.spec = spec;
        this.process = process;
    }

    public static KafkaNode start(StackDistribution distribution, Spec spec, String clusterId) {
        Path config = writeConfiguration(spec);
        Path data = spec.directory().resolve("data");
        Path log = spec.directory().resolve("kafka.log");
        if (!Files.exists(data.resolve("meta.properties"))) {
            List<String> format = new ArrayList<>(List.of("format", "--ignore-formatted", "-t", clusterId, "-c", config.toString()));
            format.addAll(spec.formatArguments());
            ManagedProcess.runToCompletion("kafka-storage-format-" + spec.nodeId(),
                    javaCommand(distribution, spec.javaOptions(), "kafka.tools.StorageTool", format.toArray(String[]::new)),
                    spec.directory(), log, Duration.ofMinutes(2));
        }
        ManagedProcess process = ManagedProcess.start("kafka-" + spec.nodeId(),
                javaCommand(distribution, spec.javaOptions(), "kafka.Kafka", config.toString()), Map.of(), spec.directory(), log);
        KafkaNode node = new KafkaNode(spec, process);
        Ports.awaitListening(process, spec.role() == Role.CONTROLLER ? spec.controllerPort() : spec.brokerPort(),
                Duration.ofMinutes(2));
        return node;
    }

    private static List<String> javaCommand(StackDistribution distribution, List<String> javaOptions, String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(distribution.java().toString(), "-Xms128m", "-Xmx512m"));
        command.addAll(javaOptions);
        command.addAll(List.of("-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + "log4j2.properties",
                "-cp", distribution.kafkaClasspath(), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private static Path writeConfiguration(Spec spec) {
        Map<String, String> settings = new LinkedHashMap<>();
        String listeners = switch (spec.role()) {
            case BROKER -> "PLAINTEXT://127.0.0.1:" + spec.brokerPort();
            case CONTROLLER -> "CONTROLLER://127.0.0.1:" + spec.controllerPort();
            case COMBINED -> "PLAINTEXT://127.0.0.1:" + spec.brokerPort() + ",CONTROLLER://127.0.0.1:" + spec.controllerPort();
        };
        settings.put("process.roles", switch (spec.role()) {
            case BROKER -> "broker";
            case CONTROLLER -> "controller";
            case COMBINED -> "broker,controller";
        });
        settings.put("node.id", Integer.toString(spec.nodeId()));
        settings.put("controller.quorum.voters", spec.voters());
        settings.put("listeners", listeners);
        if (spec.role() != Role.CONTROLLER) {
            settings.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + spec.brokerPort());
            settings.put("inter.broker.listener.name", "PLAINTEXT");
        }
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        settings.put("log.dirs", spec.directory().resolve("data").toString());
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("share.coordinator.state.topic.replication.factor", "1");
        settings.put("share.coordinator.state.topic.min.isr", "1");
        settings.put("group.initial.rebalance.delay.ms", "0");
        settings.put("num.partitions", "1");
        settings.put("auto.create.topics.enable", "false");
        settings.putAll(spec.settings());
        StringBuilder text = new StringBuilder("# Written by Parapet's stack; rewritten at every start.\n");
        settings.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        try {
            Files.createDirectories(spec.directory());
            Path config = spec.directory().resolve("server.properties");
            Files.writeString(config, text.toString(), StandardCharsets.UTF_8);
            Files.writeString(spec.directory().resolve("log4j2.properties"), """
                    status = error
                    appender.console.type = Console
                    appender.console.name = STDOUT
                    appender.console.layout.type = PatternLayout
                    appender.console.layout.pattern = [%d] %p %m (%c)%n
                    rootLogger.level = INFO
                    rootLogger.appenderRef.stdout.ref = STDOUT
                    logger.kafka.name = kafka
                    logger.kafka.level = WARN
                    logger.kafkaapache.name = org.apache.kafka
                    logger.kafkaapache.level = WARN
                    logger.server.name = kafka.server.KafkaRaftServer
                    logger.server.level = INFO
                    """, StandardCharsets.UTF_8);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int nodeId() {
        return spec.nodeId();
    }

    public Spec spec() {
        return spec;
    }

    public ManagedProcess process() {
        return process;
    }

    public boolean isBroker() {
        return spec.role() != Role.CONTROLLER;
    }

    /** Stops the node as a crash would. */
    public void kill() {
        process.kill();
    }

    @Override
    public void close() {
        process.close();
    }
}
