package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import dev.parapet.stack.Waits;

/**
 * Kill and restart under write load: 20 administrators create policies and 4 installers enrol
 * devices, all at once, while each service in turn is killed with SIGKILL and started again. At the
 * end every write that got a 2xx is there exactly once, every credential that was issued works, and
 * once the key is deleted every one of them is refused.
 */
@SharedFaultStack.WithSharedStack
@Order(8)
class KillRestartTest {

    static final int WRITERS = 20;
    static final int ENROLLERS = 4;
    /** Writes per account before a writer moves to a new one (stays under any per-account policy quota). */
    static final int WRITES_EACH = 50;

    @Test
    void everyAcknowledgedWriteSurvivesEveryServiceBeingKilledAndRestarted() throws Exception {
        FaultStack stack = SharedFaultStack.stack();
        UUID agentsAccount = UUID.randomUUID();
        String agentsAdmin = stack.superAdmin(agentsAccount);
        String key = Api.createKey(stack, agentsAccount, agentsAdmin);

        Map<UUID, Set<String>> acknowledged = new ConcurrentHashMap<>();
        Map<String, String> credentials = new ConcurrentHashMap<>();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger enrolAttempts = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService load = Executors.newFixedThreadPool(WRITERS + ENROLLERS);
        for (int w = 0; w < WRITERS; w++) {
            load.submit(() -> {
                // Until the end, moving to a new account every WRITES_EACH writes (under any per-account quota).
                while (!stop.get()) {
                    UUID account = UUID.randomUUID();
                    Set<String> mine = ConcurrentHashMap.newKeySet();
                    acknowledged.put(account, mine);
                    String token = stack.superAdmin(account);
                    for (int n = 0; n < WRITES_EACH && !stop.get(); n++) {
                        // A new name each attempt: a write that got no answer is never repeated, so none can be made twice.
                        String name = "P" + n + "-" + UUID.randomUUID().toString().substring(0, 8);
                        attempts.incrementAndGet();
                        if (Api.createPolicy(stack, account, token, name).ok()) {
                            mine.add(name);
                        }
                        pause(250);
                    }
                }
                return null;
            });
        }
        for (int e = 0; e < ENROLLERS; e++) {
            int enroller = e;
            load.submit(() -> {
                for (int n = 0; !stop.get(); n++) {
                    String device = "device-" + enroller + "-" + n;
                    enrolAttempts.incrementAndGet();
                    Api.Answer answer = Api.enrol(stack, key, device);
                    if (answer.status() == 201) {
                        credentials.put(device, answer.json().get("credential").asText());
                    }
                    pause(200);
                }
                return null;
            });
        }

        pause(3000);
        for (FaultStack.Service service : stack.services()) {
            long killed = System.nanoTime();
            service.kill();
            pause(500);
            service.start();
            service.awaitHealthy();
            System.out.printf("kill/restart: %s killed and healthy again in %.1f s (writes acknowledged so far: %d, "
                            + "credentials issued: %d)%n", service.spec.name(), (System.nanoTime() - killed) / 1e9,
                    total(acknowledged), credentials.size());
            pause(2000);
        }
        stop.set(true);
        load.shutdown();
        assertThat(load.awaitTermination(3, TimeUnit.MINUTES)).isTrue();

        long acked = total(acknowledged);
        long found = 0;
        for (UUID account : acknowledged.keySet()) {
            List<String> names = Api.policyNames(stack, account, stack.superAdmin(account));
            Map<String, Long> counts = names.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(counts).as("no policy twice").allSatisfy((name, count) -> assertThat(count).isEqualTo(1));
            assertThat(names).as("every acknowledged write of " + account).containsAll(acknowledged.get(account));
            found += acknowledged.get(account).stream().filter(names::contains).count();
        }
        System.out.printf("kill/restart: %d writes attempted, %d acknowledged, %d of those found exactly once%n",
                attempts.get(), acked, found);
        assertThat(acked).as("writes acknowledged while services were killed").isGreaterThan(WRITERS * 4);

        // Every credential issued works (once dns-service's verifier is current again)...
        Waits.until("every issued credential accepted", Duration.ofMinutes(1), () -> credentials.values().stream()
                .allMatch(credential -> Api.doh(stack, credential, "allowed.fault.example") == 200));
        System.out.printf("kill/restart: %d enrolments attempted, %d credentials issued, all accepted by dns-service%n",
                enrolAttempts.get(), credentials.size());
        assertThat(credentials).isNotEmpty();

        // ...and every one is refused once the key is deleted.
        Api.Answer deleted = Api.call("DELETE", stack.keys.url() + "/api/v1/accounts/" + agentsAccount + "/key?confirm=true",
                agentsAdmin, null);
        assertThat(deleted.ok()).as(deleted.toString()).isTrue();
        Waits.until("every revoked credential refused", Duration.ofSeconds(30), () -> credentials.values().stream()
                .allMatch(credential -> Api.doh(stack, credential, "allowed.fault.example") == 401));
        System.out.printf("kill/restart: all %d credentials refused after the key's deletion%n", credentials.size());
    }

    private static long total(Map<UUID, Set<String>> acknowledged) {
        return acknowledged.values().stream().mapToLong(Set::size).sum();
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
