package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

/** Enrolment against a fake key-service answering what the real one answers (docs/keys.md). */
class AgentEnrolmentTest {

    HttpServer server;
    volatile int status;
    volatile String answer;
    volatile String retryAfter;
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(Enrolment.PATH, exchange -> {
            bodies.add(StateStore.json().readTree(exchange.getRequestBody().readAllBytes()));
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", status == 201 ? "application/json" : "application/problem+json");
            if (retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", retryAfter);
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Enrolment.Result enrol() {
        CustomerKeyFile key = CustomerKeyFile.parse(AgentCustomerKeyFileTest.AS_DOWNLOADED
                .replace("http://127.0.0.1:18101", "http://127.0.0.1:" + server.getAddress().getPort()));
        return new Enrolment(HttpClient.newHttpClient()).enrol(key, new Enrolment.Request("laptop-42", "laptop-42", "Windows", "11 23H2"));
    }

    @Test
    void theKeyAndTheDeviceAreSentAndTheCredentialComesBack() {
        status = 201;
        answer = "{\"agentId\":\"7d5c7c55-3f7e-4bd2-9a77-0d7c0b0f4d11\",\"accountId\":\"0b6f3c1e-5d0c-4c55-9a53-1f0d6a7e2b11\","
                + "\"credential\":\"pac1.7d5c7c55-3f7e-4bd2-9a77-0d7c0b0f4d11.c2VjcmV0LXNlY3JldC1zZWNyZXQ\",\"keyGeneration\":1,"
                + "\"region\":\"eu\",\"apiBaseUrl\":\"https://eu.api.parapet.dev\"}";

        Enrolment.Result result = enrol();

        assertThat(result.agentId()).isEqualTo("7d5c7c55-3f7e-4bd2-9a77-0d7c0b0f4d11");
        assertThat(result.credential()).startsWith("pac1.");
        assertThat(result.toString()).doesNotContain("pac1");
        JsonNode sent = bodies.get(0);
        assertThat(sent.get("key").asText()).isEqualTo("PK1-EU-ABCDEFGHJKMNPQRSTVWXYZ0123456789-WXYZ");
        assertThat(sent.get("deviceId").asText()).isEqualTo("laptop-42");
        assertThat(sent.get("osName").asText()).isEqualTo("Windows");
        assertThat(sent.get("osVersion").asText()).isEqualTo("11 23H2");
        assertThat(sent.get("agentVersion").asText()).isEqualTo(AgentVersion.CURRENT);
    }

    @Test
    void eachRefusalSaysWhatToDo() {
        status = 401;
        answer = "{\"status\":401,\"title\":\"Enrolment refused\",\"reason\":\"KEY_MALFORMED\"}";
        assertThatThrownBy(this::enrol).hasMessageContaining("KEY_MALFORMED").hasMessageContaining("mistyped");

        answer = "{\"status\":401,\"title\":\"Enrolment refused\",\"reason\":\"KEY_NOT_ACCEPTED\"}";
        assertThatThrownBy(this::enrol).hasMessageContaining("KEY_NOT_ACCEPTED").hasMessageContaining("current CustomerKey");

        status = 429;
        retryAfter = "17";
        answer = "{\"status\":429}";
        assertThatThrownBy(this::enrol).hasMessageContaining("retry in 17 s");

        status = 400;
        retryAfter = null;
        answer = "{\"status\":400,\"errors\":[{\"field\":\"hostname\",\"reason\":\"must not be blank\"}]}";
        assertThatThrownBy(this::enrol).hasMessageContaining("hostname: must not be blank");

        status = 500;
        answer = "<html>\u001b[31m oops";
        assertThatThrownBy(this::enrol).isInstanceOf(AgentException.class).hasMessageContaining("answered 500");
    }

    @Test
    void anAnswerWithoutAUsableCredentialIsRefused() {
        status = 201;
        answer = "{\"agentId\":\"7d5c7c55-3f7e-4bd2-9a77-0d7c0b0f4d11\",\"accountId\":\"x\",\"credential\":\"secret\"}";
        assertThatThrownBy(this::enrol).hasMessageContaining("not what key-service sends");
    }
}
