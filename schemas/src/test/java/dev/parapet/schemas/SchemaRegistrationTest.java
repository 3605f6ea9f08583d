package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.stack.Ports;
import dev.parapet.stack.SchemaRegistry;
import dev.parapet.stack.StackDistribution;

/**
 * Production's registry takes writes only with a token, and production's services register nothing:
 * the deployment's registration puts every schema they may write in place first, and a serializer that
 * may not register finds its schema by content, for the catalogue's topics and for Kafka Streams' own.
 */
class SchemaRegistrationTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void everyProtocolFileIsListedAndEveryTopicAndRecordHasItsSubject() throws Exception {
        List<String> files;
        try (Stream<Path> avdl = Files.list(Path.of("src/main/avro"))) {
            files = avdl.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".avdl")).sorted().toList();
        }
        Pattern protocol = Pattern.compile("^protocol\\s+(\\w+)", Pattern.MULTILINE);
        List<String> declared = files.stream().map(file -> {
            Matcher matcher = protocol.matcher(uncheckedRead(Path.of("src/main/avro", file)));
            return matcher.find() ? matcher.group(1) : file;
        }).sorted().toList();
        assertThat(SchemaRegistration.PROTOCOLS.stream().map(org.apache.avro.Protocol::getName).sorted().toList())
                .as("SchemaRegistration.PROTOCOLS against src/main/avro").isEqualTo(declared);

        Map<String, org.apache.avro.Schema> subjects = SchemaRegistration.subjects();
        for (Topic<?> topic : Topics.all()) {
            assertThat(subjects.get(topic.name() + "-value")).as(topic.name()).isEqualTo(topic.valueSchema());
        }
        assertThat(subjects).containsEntry(AuditEvent.class.getName(), AuditEvent.getClassSchema())
                .containsKey("dev.parapet.schemas.v1.keys.AccountKeyState");
        assertThat(CatalogueSubjectStrategy.subject(Topics.AUDIT.name(), false, event())).isEqualTo("parapet.audit.v1-value");
        assertThat(CatalogueSubjectStrategy.subject("key-service-commands-keys-changelog", false, event()))
                .isEqualTo(AuditEvent.class.getName());
        assertThat(CatalogueSubjectStrategy.subject("parapet.audit.v1.dlt", false, event())).isEqualTo(AuditEvent.class.getName());
    }

    @Test
    void aLockedRegistryTakesOnlyTheRegistrationAndServicesFindTheirSchemasWithoutRegistering(@TempDir Path directory) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair issuer = generator.generateKeyPair();
        KeyPair stranger = generator.generateKeyPair();
        Path issuerKey = pem(directory.resolve("registry-writer.pem"), issuer);
        Path strangerKey = pem(directory.resolve("stranger.pem"), stranger);

        Map<String, String> locked = new HashMap<>();
        locked.put("QUARKUS_OIDC_TENANT_ENABLED", "true");
        locked.put("QUARKUS_OIDC_PUBLIC_KEY", Base64.getEncoder().encodeToString(issuer.getPublic().getEncoded()));
        locked.put("QUARKUS_OIDC_TOKEN_ISSUER", "parapet-deployment");
        locked.put("QUARKUS_OIDC_TOKEN_AUDIENCE", "parapet-registry");
        locked.put("QUARKUS_OIDC_ROLES_ROLE_CLAIM_PATH", "roles");
        locked.put("APICURIO_AUTH_ROLE_BASED_AUTHORIZATION", "true");
        locked.put("APICURIO_AUTH_ANONYMOUS_READ_ACCESS_ENABLED", "true");
        try (SchemaRegistry registry = SchemaRegistry.start(StackDistribution.locate(), directory.resolve("registry"), Ports.free(),
                Ports.free(), new SchemaRegistry.Storage.InMemory(), false, locked)) {
            String url = registry.url();
            String artifact = "{\"artifactId\":\"forged\",\"artifactType\":\"AVRO\",\"firstVersion\":{\"content\":{\"content\":"
                    + "\"{\\\"type\\\":\\\"string\\\"}\",\"contentType\":\"application/json\"}}}";
            assertThat(post(url + "/apis/registry/v3/groups/default/artifacts", artifact, null)).as("anonymous write").isEqualTo(401);
            String strangers = SchemaRegistrationTool.token(strangerKey, "parapet-deployment", "parapet-registry", Instant.now());
            assertThat(post(url + "/apis/registry/v3/groups/default/artifacts", artifact, strangers)).as("another key's token").isEqualTo(401);
            String wrongAudience = SchemaRegistrationTool.token(issuerKey, "parapet-deployment", "parapet-api", Instant.now());
            assertThat(post(url + "/apis/registry/v3/groups/default/artifacts", artifact, wrongAudience)).as("another audience").isEqualTo(401);

            // A service that may not register cannot write before the registration.
            Serializer<AuditEvent> production = AvroSerdes.serializer(url, false, false);
            assertThatThrownBy(() -> production.serialize(Topics.AUDIT.name(), event())).as("before the registration").isNotNull();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String[] args = {"--registry", url, "--token-key", issuerKey.toString(), "--token-issuer", "parapet-deployment",
                    "--token-audience", "parapet-registry", "--attempts", "3"};
            int status = SchemaRegistrationTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains(SchemaRegistration.subjects().size() + " subjects");
            assertThat(SchemaRegistrationTool.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    System.err)).as("a second registration").isZero();
            assertThat(get(url + "/apis/registry/v3/groups/default/artifacts/parapet.audit.v1-value/versions"))
                    .as("one version after two registrations").contains("\"count\":1");

            // Now the production serializer finds its schema, for a catalogue topic and for a Streams changelog,
            // and an anonymous reader resolves the id.
            Deserializer<AuditEvent> reader = AvroSerdes.deserializer(url, false);
            AuditEvent event = event();
            Serializer<AuditEvent> service = AvroSerdes.serializer(url, false, false);
            assertThat(reader.deserialize(Topics.AUDIT.name(), service.serialize(Topics.AUDIT.name(), event))).isEqualTo(event);
            Serializer<AuditEvent> store = AvroSerdes.serializer(url, false, false);
            byte[] changelog = store.serialize("settings-service-commands-audit-changelog", event);
            assertThat(reader.deserialize("settings-service-commands-audit-changelog", changelog)).isEqualTo(event);
            assertThat(get(url + "/apis/registry/v3/search/artifacts?limit=500")).doesNotContain("changelog-value");
        }
    }

    static AuditEvent event() {
        return AuditEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setAccountId(UUID.randomUUID())
                .setActor(Actor.newBuilder().setSubject("admin@example.com").setRole("SUPER_ADMIN").setKind(ActorKind.ADMIN).build())
                .setAction("key.create")
                .setResourceType("key")
                .setResourceId("k-1")
                .setAfter("{\"status\":\"ACTIVE\"}")
                .setOutcome(Outcome.SUCCESS)
                .build();
    }

    static Path pem(Path file, KeyPair pair) throws Exception {
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return file;
    }

    static int post(String url, String json, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static String get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    static String uncheckedRead(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
