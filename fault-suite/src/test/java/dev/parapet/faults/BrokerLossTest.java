package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.schemas.Topics;
import dev.parapet.stack.ServiceProcesses;
import dev.parapet.stack.Waits;

/**
 * Broker loss under load: three brokers (replication factor 3, min ISR 2) and the four services; the
 * broker that leads the command topic's partitions is killed while administrators write and agents
 * query. No acknowledged write is lost, the services recover without a restart, and the time they
 * take is printed.
 */
@Order(2)
class BrokerLossTest {

    static final int WRITERS = 5;
    static final int WRITES_EACH = 60;

    @Test
    void losingTheLeadersBrokerLosesNoAcknowledgedWriteAndTheServicesRecoverOnTheirOwn(@TempDir Path directory) throws Exception {
        try (FaultStack stack = FaultStack.start(directory, 3)) {
            UUID agentsAccount = UUID.randomUUID();
            String key = Api.createKey(stack, agentsAccount, stack.superAdmin(agentsAccount));
            List<String> credentials = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                credentials.add(Api.enrol(stack, key, "broker-loss-" + i).json().get("credential").asText());
            }
            Waits.until("credentials accepted", Duration.ofSeconds(30),
                    () -> credentials.stream().allMatch(c -> Api.doh(stack, c, "allowed.fault.example") == 200));

            Map<UUID, Set<String>> acknowledged = new ConcurrentHashMap<>();
            Map<UUID, Long> lastSuccess = new ConcurrentHashMap<>();
            AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
            AtomicBoolean stop = new AtomicBoolean();
            List<Long> dohAfterKill = Collections.synchronizedList(new ArrayList<>());
            List<Integer> dohStatuses = Collections.synchronizedList(new ArrayList<>());
            ExecutorService load = Executors.newFixedThreadPool(WRITERS + credentials.size());
            for (int w = 0; w < WRITERS; w++) {
                UUID account = UUID.randomUUID();
                String token = stack.superAdmin(account);
                Set<String> mine = ConcurrentHashMap.newKeySet();
                acknowledged.put(account, mine);
                load.submit(() -> {
                    for (int n = 0; n < WRITES_EACH && !stop.get(); n++) {
                        String name = "B" + n + "-" + UUID.randomUUID().toString().substring(0, 8);
                        if (Api.createPolicy(stack, account, token, name).ok()) {
                            mine.add(name);
                            lastSuccess.put(account, System.nanoTime());
                        }
                        KillRestartTest.pause(150);
                    }
                    return null;
                });
            }
            for (String credential : credentials) {
                load.submit(() -> {
                    while (!stop.get()) {
                        long started = System.nanoTime();
                        int status = Api.doh(stack, credential, "allowed.fault.example");
                        if (started > killedAt.get()) {
                            dohAfterKill.add(System.nanoTime() - started);
                            dohStatuses.add(status);
                        }
                        KillRestartTest.pause(20);
                    }
                    return null;
                });
            }

            KillRestartTest.pause(4000);
            int victim = leaderOfMostCommandPartitions(stack);
            killedAt.set(System.nanoTime());
            stack.kafka.broker(victim).kill();
            System.out.printf("broker loss: killed broker %d, the leader of most %s partitions%n", victim,
                    Topics.SETTINGS_COMMANDS.name());
            Waits.until("every administrator wrote again after the broker died", Duration.ofMinutes(3),
                    () -> acknowledged.keySet().stream().allMatch(account -> lastSuccess.getOrDefault(account, 0L) > killedAt.get()));
            long writesBack = acknowledged.keySet().stream().mapToLong(lastSuccess::get).min().orElseThrow();
            long recovered = System.nanoTime();
            System.out.printf("broker loss: every administrator's writes succeeded again within %.1f s (first: %.1f s)%n",
                    (recovered - killedAt.get()) / 1e9, (writesBack - killedAt.get()) / 1e9);
            KillRestartTest.pause(3000);
            stop.set(true);
            load.shutdown();
            assertThat(load.awaitTermination(3, TimeUnit.MINUTES)).isTrue();

            long acked = 0;
            for (Map.Entry<UUID, Set<String>> entry : acknowledged.entrySet()) {
                List<String> names = Api.policyNames(stack, entry.getKey(), stack.superAdmin(entry.getKey()));
                Map<String, Long> counts = names.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                assertThat(counts).as("no policy twice").allSatisfy((name, count) -> assertThat(count).isEqualTo(1));
                assertThat(names).as("every acknowledged write").containsAll(entry.getValue());
                acked += entry.getValue().size();
            }
            long healthyAgain = System.nanoTime();
            for (FaultStack.Service service : stack.services()) {
                Waits.until(service.spec.name() + " ready again without a restart", Duration.ofMinutes(2), () -> {
                    service.process.ensureAlive();
                    return ServiceProcesses.isHealthy(java.net.URI.create(service.url() + "/actuator/health/readiness"));
                });
            }
            long failedDoh = dohStatuses.stream().filter(status -> status != 200).count();
            System.out.printf("broker loss: %d acknowledged writes, all found once; every service ready %.1f s after the writes "
                            + "came back; DoH after the kill: %d queries, p50 %d ms, p99 %d ms, %d not 200%n",
                    acked, (System.nanoTime() - healthyAgain) / 1e9, dohAfterKill.size(),
                    Api.percentile(dohAfterKill, 50) / 1_000_000, Api.percentile(dohAfterKill, 99) / 1_000_000, failedDoh);
            assertThat(failedDoh).as("DoH answers from memory while a broker is lost").isZero();
        }
    }

    private static int leaderOfMostCommandPartitions(FaultStack stack) throws Exception {
        try (Admin admin = stack.kafka.admin()) {
            TopicDescription description = admin.describeTopics(List.of(Topics.SETTINGS_COMMANDS.name())).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(Topics.SETTINGS_COMMANDS.name());
            return description.partitions().stream().collect(Collectors.groupingBy(p -> p.leader().id(), Collectors.counting()))
                    .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        }
    }
}
