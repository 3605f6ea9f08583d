package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import dev.parapet.stack.Waits;

/**
 * A DNS tunnel cut off by the whole chain of real processes: an office client sends iodine's pattern (long random
 * names under one domain, ten a second) over UDP to dns-service, whose verdicts go through the broker to
 * diagnostics-service, which finds the tunnel and tells dns-service on {@code parapet.tunnel-detections.v1}; the
 * account's Advanced Security policy blocks detected tunnels, so the tunnel's next queries get the block page's
 * address. Any other name under the domain is blocked too, a name elsewhere is not, and the administrator's Allow List
 * entry lets the domain through again. Prints the time from the tunnel's first query to its first blocked answer.
 */
@SharedFaultStack.WithSharedStack
@Order(6)
class TunnelBlockTest {

    static final String OFFICE_RANGE = "127.0.78.0/24";
    static final String FROM_OFFICE = "127.0.78.10";
    /** dns-service's default block-page address, the answer to a blocked A query. */
    static final String BLOCKED_ANSWER = "127.0.0.1";

    @Test
    void aTunnelFoundByDiagnosticsIsBlockedByDnsServiceUntilTheAdministratorAllowsIt() throws Exception {
        FaultStack stack = SharedFaultStack.stack();
        UUID account = UUID.randomUUID();
        String token = stack.superAdmin(account);
        String policies = stack.settings.url() + "/api/v1/accounts/" + account + "/policies?wait=enforced";
        Api.Answer office = Api.call("POST", stack.settings.url() + "/api/v1/accounts/" + account + "/locations?wait=enforced", token,
                Map.of("name", "Office", "cidrs", List.of(OFFICE_RANGE)));
        assertThat(office.status()).as(office.body()).isEqualTo(201);
        Api.Answer security = Api.call("POST", policies, token, Map.of("name", "No tunnels", "type", "ADVANCED_SECURITY",
                "scope", Map.of("everyone", true), "advancedSecurity", Map.of("blockDetectedTunnels", true)));
        assertThat(security.status()).as(security.body()).isEqualTo(201);
        assertThat(query(stack.dnsPort, "www.tunnel.test")).isEqualTo(SharedFaultStack.TUNNEL_ANSWER);

        // iodine's pace while data flows: ten data-carrying names a second, each used once.
        Random random = new Random(5);
        long started = System.nanoTime();
        String answer = null;
        int sent = 0;
        while (!BLOCKED_ANSWER.equals(answer)) {
            assertThat(System.nanoTime() - started).as("the tunnel blocked within 60 s").isLessThan(Duration.ofSeconds(60).toNanos());
            answer = query(stack.dnsPort, tunnelName(random, sent++));
            Thread.sleep(100);
        }
        long blockedAfter = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("tunnel block: a tunnel's queries blocked %d ms after its first (query %d of ten a second; the detector "
                + "judges at the 30th distinct name, about 2.9 s in)%n", blockedAfter, sent);
        assertThat(sent).as("not before the detector could judge").isGreaterThanOrEqualTo(30);

        assertThat(query(stack.dnsPort, "www.tunnel.test")).as("any name under the detected domain").isEqualTo(BLOCKED_ANSWER);
        assertThat(query(stack.dnsPort, "www.propagation.test")).as("another domain").isEqualTo(SharedFaultStack.UPSTREAM_ANSWER);
        Api.Answer found = Api.call("GET", stack.diagnostics.url() + "/api/v1/accounts/" + account + "/diagnostics/tunnels?active=true",
                token, null);
        assertThat(found.json().at("/findings/0/finding/registeredDomain").asText()).as(found.body()).isEqualTo("tunnel.test");
        assertThat(found.json().at("/findings/0/finding/clientAddress").asText()).isEqualTo(FROM_OFFICE);

        // The administrator trusts it after all: an Allow List entry comes before the tunnel check.
        Api.Answer allowed = Api.call("POST", policies, token, Map.of("name", "Trusted", "type", "BLOCK_ALLOW_LIST",
                "scope", Map.of("everyone", true), "blockAllowList", Map.of("blocked", List.of(), "allowed", List.of("tunnel.test"))));
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(201);
        Waits.until("the allowed domain answered again", Duration.ofSeconds(10),
                () -> SharedFaultStack.TUNNEL_ANSWER.equals(query(stack.dnsPort, "www.tunnel.test")));
    }

    /** A name as iodine's data queries make them: the user's number, then ~150 random base32 characters in 63-character labels. */
    static String tunnelName(Random random, int sequence) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz012345";
        StringBuilder data = new StringBuilder("0").append(Integer.toString(sequence, 36));
        for (int i = 0; i < 150; i++) {
            data.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        StringBuilder name = new StringBuilder();
        for (int at = 0; at < data.length(); at += 63) {
            name.append(data, at, Math.min(data.length(), at + 63)).append('.');
        }
        return name.append("t.tunnel.test").toString();
    }

    /** The first A record of the answer dns-service gives the office, or the rcode's name if there is none. */
    static String query(int port, String name) {
        try {
            return Api.firstA(port, FROM_OFFICE, name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
