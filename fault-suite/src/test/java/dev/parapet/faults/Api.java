package dev.parapet.faults;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What the suite's administrators and agents do, over real HTTP. A refused or failed call is an answer, not an exception. */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** An answer: the status (0 when the call did not get one) and the body. */
    record Answer(int status, String body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }

    private Api() {
    }

    static Answer call(String method, String url, String token, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, e.toString());
        }
    }

    /** Creates the account's key and returns it revealed (retrying while the service is unavailable). */
    static String createKey(FaultStack stack, UUID account, String token) {
        String base = stack.keys.url() + "/api/v1/accounts/" + account + "/key";
        Answer created = call("POST", base, token, null);
        if (!created.ok() && created.status() != 409) {
            throw new IllegalStateException("key not created: " + created);
        }
        return call("GET", base + "?reveal=true", token, null).json().get("key").asText();
    }

    static Answer enrol(FaultStack stack, String key, String deviceId) {
        return call("POST", stack.keys.url() + "/agent/v1/enrolments", null, Map.of("key", key, "deviceId", deviceId,
                "hostname", "host-" + deviceId, "osName", "Linux", "osVersion", "6.1", "agentVersion", "1.0.0"));
    }

    /** A Block List policy for everyone with one domain: one write of the administrator. */
    static Answer createPolicy(FaultStack stack, UUID account, String token, String name) {
        return call("POST", stack.settings.url() + "/api/v1/accounts/" + account + "/policies", token, Map.of(
                "name", name, "type", "BLOCK_ALLOW_LIST", "scope", Map.of("everyone", true),
                "blockAllowList", Map.of("blocked", List.of(name.toLowerCase() + ".fault.example"))));
    }

    static List<String> policyNames(FaultStack stack, UUID account, String token) {
        Answer answer = call("GET", stack.settings.url() + "/api/v1/accounts/" + account + "/policies", token, null);
        if (!answer.ok()) {
            throw new IllegalStateException("policies not read: " + answer);
        }
        List<String> names = new ArrayList<>();
        answer.json().forEach(policy -> names.add(policy.get("name").asText()));
        return names;
    }

    /** A DNS over HTTPS query to dns-service's HTTP port with the agent credential: 200 if accepted, 401 if refused. */
    static int doh(FaultStack stack, String credential, String name) {
        try {
            Message query = Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN));
            String dns = Base64.getUrlEncoder().withoutPadding().encodeToString(query.toWire());
            return call("GET", stack.dns.url() + "/dns-query?dns=" + dns, credential, null).status();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The p-th percentile (0-100) of the samples, in the samples' unit. */
    /**
     * A query for the name's A records over UDP from the address (a loopback address of a location's range), and the
     * first A record of the answer, or the rcode's name if there is none ("no answer" after 2 s).
     */
    static String firstA(int port, String from, String name) throws IOException {
        byte[] wire = Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN)).toWire();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(from), 0))) {
            socket.setSoTimeout(2_000);
            socket.send(new DatagramPacket(wire, wire.length, InetAddress.getByName("127.0.0.1"), port));
            byte[] buffer = new byte[4096];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            socket.receive(packet);
            Message answer = new Message(java.util.Arrays.copyOf(buffer, packet.getLength()));
            return answer.getSection(Section.ANSWER).stream().filter(ARecord.class::isInstance)
                    .map(record -> ((ARecord) record).getAddress().getHostAddress()).findFirst()
                    .orElse(Rcode.string(answer.getRcode()));
        } catch (SocketTimeoutException e) {
            return "no answer";
        }
    }

    static long percentile(List<Long> samples, double p) {
        if (samples.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(samples);
        sorted.sort(null);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
