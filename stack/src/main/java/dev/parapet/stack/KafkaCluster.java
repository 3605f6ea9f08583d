package dev.parapet.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/** A real Kafka cluster on loopback: one combined node, or controllers and brokers apart. */
public final class KafkaCluster implements AutoCloseable {

    private final List<KafkaNode> nodes;
    private final StackDistribution distribution;
    private final String clusterId;
    /** What the admin client adds to authenticate: nothing on a plaintext cluster. */
    private final Map<String, Object> adminSecurity;

    private KafkaCluster(List<KafkaNode> nodes, StackDistribution distribution, String clusterId) {
        this(nodes, distribution, clusterId, Map.of());
    }

    private KafkaCluster(List<KafkaNode> nodes, StackDistribution distribution, String clusterId, Map<String, Object> adminSecurity) {
        this.nodes = new java.util.concurrent.CopyOnWriteArrayList<>(nodes);
        this.distribution = distribution;
        this.clusterId = clusterId;
        this.adminSecurity = Map.copyOf(adminSecurity);
    }

    /**
     * One combined broker and controller. Given the same directory again, the data is still there
     * (the cluster id is kept in the formatted storage).
     */
    public static KafkaCluster single(StackDistribution distribution, Path directory, int brokerPort, int controllerPort) {
        return single(distribution, directory, brokerPort, controllerPort, KafkaNode.Spec.THROUGHPUT);
    }

    /** As {@link #single(StackDistribution, Path, int, int)}, the broker's JVM run with these options. */
    public static KafkaCluster single(StackDistribution distribution, Path directory, int brokerPort, int controllerPort,
                                      List<String> javaOptions) {
        KafkaNode.Spec spec = new KafkaNode.Spec(1, KafkaNode.Role.COMBINED, brokerPort, controllerPort,
                "1@127.0.0.1:" + controllerPort, directory, Map.of(), javaOptions);
        String clusterId = Uuid.randomUuid().toString();
        KafkaCluster cluster = new KafkaCluster(List.of(KafkaNode.start(distribution, spec, clusterId)), distribution, clusterId);
        cluster.awaitBrokers(1, Duration.ofMinutes(1));
        return cluster;
    }

    /**
     * One combined broker and controller locked down as production runs it (see {@link KafkaSecurity}):
     * clients authenticate with SCRAM-SHA-512 over TLS, and nobody but the broker and the admin may do
     * anything the ACLs do not allow. {@link #admin()} authenticates as the admin.
     */
    public static KafkaCluster secured(StackDistribution distribution, Path directory, int brokerPort, int controllerPort,
                                       KafkaSecurity security) {
        KafkaNode.Spec spec = new KafkaNode.Spec(1, KafkaNode.Role.COMBINED, brokerPort, controllerPort,
                "1@127.0.0.1:" + controllerPort, directory, security.brokerSettings(brokerPort, controllerPort),
                KafkaNode.Spec.THROUGHPUT, security.formatArguments());
        String clusterId = Uuid.randomUuid().toString();
        KafkaCluster cluster = new KafkaCluster(List.of(KafkaNode.start(distribution, spec, clusterId)), distribution, clusterId,
                security.clientProperties(KafkaSecurity.ADMIN));
        try {
            cluster.awaitBrokers(1, Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Brokers and controllers as separate processes, the shape of a production cluster. Internal
     * topics are replicated to every broker (at most three), with min.insync.replicas two where
     * there are three brokers.
     */
    public static KafkaCluster withSeparateControllers(StackDistribution distribution, Path directory,
                                                       int brokers, int controllers) {
        String clusterId = Uuid.randomUuid().toString();
        List<Integer> controllerPorts = new ArrayList<>();
        for (int i = 0; i < controllers; i++) {
            controllerPorts.add(Ports.free());
        }
        String voters = java.util.stream.IntStream.range(0, controllers)
                .mapToObj(i -> (3000 + i) + "@127.0.0.1:" + controllerPorts.get(i))
                .collect(Collectors.joining(","));
        int replication = Math.min(3, brokers);
        Map<String, String> settings = Map.of(
                "offsets.topic.replication.factor", Integer.toString(replication),
                "transaction.state.log.replication.factor", Integer.toString(replication),
                "transaction.state.log.min.isr", Integer.toString(Math.min(2, replication)),
                "share.coordinator.state.topic.replication.factor", Integer.toString(replication),
                "share.coordinator.state.topic.min.isr", Integer.toString(Math.min(2, replication)),
                "default.replication.factor", Integer.toString(replication),
                "min.insync.replicas", Integer.toString(Math.min(2, replication)));
        List<KafkaNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < controllers; i++) {
                int id = 3000 + i;
                nodes.add(KafkaNode.start(distribution, new KafkaNode.Spec(id, KafkaNode.Role.CONTROLLER, 0,
                        controllerPorts.get(i), voters, directory.resolve("controller-" + id), settings), clusterId));
            }
            for (int i = 0; i < brokers; i++) {
                int id = i + 1;
                nodes.add(KafkaNode.start(distribution, new KafkaNode.Spec(id, KafkaNode.Role.BROKER, Ports.free(), 0,
                        voters, directory.resolve("broker-" + id), settings), clusterId));
            }
        } catch (RuntimeException e) {
            nodes.forEach(KafkaNode::close);
            throw e;
        }
        KafkaCluster cluster = new KafkaCluster(List.copyOf(nodes), distribution, clusterId);
        cluster.awaitBrokers(brokers, Duration.ofMinutes(1));
        return cluster;
    }

    /** The bootstrap address of a broker listening on this port of loopback. */
    public static String bootstrapServers(int brokerPort) {
        return "127.0.0.1:" + brokerPort;
    }

    public String bootstrapServers() {
        return brokers().stream()
                .filter(node -> node.process().isAlive())
                .map(node -> "127.0.0.1:" + node.spec().brokerPort())
                .collect(Collectors.joining(","));
    }

    public List<KafkaNode> brokers() {
        return nodes.stream().filter(KafkaNode::isBroker).toList();
    }

    public List<KafkaNode> nodes() {
        return nodes;
    }

    public KafkaNode broker(int nodeId) {
        return brokers().stream().filter(node -> node.nodeId() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No broker " + nodeId));
    }

    /**
     * Starts a node again on its own ports and data (after {@link KafkaNode#kill}), and waits until it
     * listens; a broker then rejoins the cluster and catches up as after a crash.
     */
    public KafkaNode restart(int nodeId) {
        KafkaNode old = nodes.stream().filter(node -> node.nodeId() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No node " + nodeId));
        old.close();
        KafkaNode started = KafkaNode.start(distribution, old.spec(), clusterId);
        nodes.set(nodes.indexOf(old), started);
        return started;
    }

    public Admin admin() {
        Properties properties = new Properties();
        properties.putAll(adminSecurity);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        return Admin.create(properties);
    }

    private void awaitBrokers(int expected, Duration timeout) {
        try (Admin admin = admin()) {
            Waits.until(expected + " Kafka broker(s) registered", timeout, () -> {
                nodes.forEach(node -> node.process().ensureAlive());
                try {
                    return admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).size() >= expected;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    @Override
    public void close() {
        // Brokers first, so that they can leave the quorum while the controllers still run.
        brokers().forEach(KafkaNode::close);
        nodes.stream().filter(node -> !node.isBroker()).forEach(KafkaNode::close);
    }
}
