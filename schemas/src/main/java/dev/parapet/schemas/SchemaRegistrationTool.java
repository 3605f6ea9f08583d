package dev.parapet.schemas;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Registers every schema Parapet's services may write ({@link SchemaRegistration#subjects()}) and the
 * registry's global compatibility rule (BACKWARD), once per deployment, before the services start:
 * <pre>
 *   --registry URL                      the registry's base URL (http://registry:8080)
 *   [--token-key FILE --token-issuer ISS --token-audience AUD]
 *                                       sign a five-minute token (RS256, role sr-admin) with this PKCS#8 key,
 *                                       the one whose public half the registry checks tokens with
 *   [--token-file FILE]                 or send this token (one from the organisation's identity provider)
 *   [--attempts N]                      tries while the registry is not answering yet (default 30, 2 s apart)
 * </pre>
 * Idempotent: a schema the subject already has is found, not added again (the registry compares
 * canonical forms); a schema the subject does not have is added as its next version, which the
 * compatibility rule checks. Exit status: 0 done, 1 the registry refused or could not be reached, 2 a
 * wrong command line.
 */
public final class SchemaRegistrationTool {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaRegistrationTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                err.println("Unknown or incomplete option: " + args[i]);
                err.println(usage());
                return 2;
            }
            options.put(args[i], args[++i]);
        }
        String registry = options.get("--registry");
        if (registry == null || !options.keySet().stream().allMatch(option -> switch (option) {
            case "--registry", "--token-key", "--token-issuer", "--token-audience", "--token-file", "--attempts" -> true;
            default -> false;
        })) {
            err.println(usage());
            return 2;
        }
        try {
            String token = null;
            if (options.containsKey("--token-file")) {
                token = Files.readString(Path.of(options.get("--token-file"))).strip();
            } else if (options.containsKey("--token-key")) {
                token = token(Path.of(options.get("--token-key")), required(options, "--token-issuer"),
                        required(options, "--token-audience"), Instant.now());
            }
            int attempts = Integer.parseInt(options.getOrDefault("--attempts", "30"));
            Registry client = new Registry(registry.endsWith("/") ? registry.substring(0, registry.length() - 1) : registry, token);
            client.awaitReady(attempts);
            client.globalRule("COMPATIBILITY", "BACKWARD");
            Map<String, Schema> subjects = SchemaRegistration.subjects();
            for (Map.Entry<String, Schema> subject : subjects.entrySet()) {
                client.register(subject.getKey(), subject.getValue());
            }
            out.printf("schema registration: %d subjects registered or already there, global compatibility BACKWARD, at %s%n",
                    subjects.size(), registry);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(usage());
            return 2;
        } catch (IOException | IllegalStateException | GeneralSecurityException e) {
            err.println("schema registration failed: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    static String usage() {
        return "usage: SchemaRegistrationTool --registry URL [--token-key FILE --token-issuer ISS --token-audience AUD |"
                + " --token-file FILE] [--attempts N]";
    }

    private static String required(Map<String, String> options, String option) {
        String value = options.get(option);
        if (value == null) {
            throw new IllegalArgumentException(option + " is needed with --token-key");
        }
        return value;
    }

    /** An RS256 token for the registry: role sr-admin, five minutes. */
    static String token(Path privateKeyPem, String issuer, String audience, Instant now) throws IOException, GeneralSecurityException {
        String pem = Files.readString(privateKeyPem);
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException(privateKeyPem + " is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        ObjectNode body = JSON.createObjectNode().put("iss", issuer).put("aud", audience).put("sub", "parapet-schema-registration")
                .put("iat", now.getEpochSecond()).put("exp", now.plusSeconds(300).getEpochSecond()).put("jti", UUID.randomUUID().toString());
        body.putArray("roles").add("sr-admin");
        String claims = url.encodeToString(JSON.writeValueAsBytes(body));
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(key);
        signature.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + url.encodeToString(signature.sign());
    }

    /** The registry's v3 API, as far as this tool needs it. */
    private record Registry(String base, String token) {

        void awaitReady(int attempts) throws InterruptedException, IOException {
            IOException last = null;
            for (int attempt = 0; attempt < attempts; attempt++) {
                try {
                    HttpResponse<String> response = send(HttpRequest.newBuilder(api("/system/info")).GET());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    last = new IOException("the registry answered " + response.statusCode() + " to /system/info");
                } catch (IOException e) {
                    last = e;
                }
                Thread.sleep(2000);
            }
            throw new IOException("the registry at " + base + " did not answer: " + (last == null ? "no attempt" : last.getMessage()));
        }

        void globalRule(String rule, String config) throws IOException, InterruptedException {
            String body = JSON.createObjectNode().put("ruleType", rule).put("config", config).toString();
            HttpResponse<String> created = send(HttpRequest.newBuilder(api("/admin/rules"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
            if (created.statusCode() == 409) {
                expect2xx("the global " + rule + " rule", send(HttpRequest.newBuilder(api("/admin/rules/" + rule))
                        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body))));
            } else {
                expect2xx("the global " + rule + " rule", created);
            }
        }

        void register(String subject, Schema schema) throws IOException, InterruptedException {
            ObjectNode artifact = JSON.createObjectNode().put("artifactId", subject).put("artifactType", "AVRO");
            artifact.putObject("firstVersion").putObject("content").put("content", schema.toString())
                    .put("contentType", "application/json");
            String body = artifact.toString();
            expect2xx("subject " + subject, send(HttpRequest.newBuilder(api("/groups/default/artifacts?ifExists=FIND_OR_CREATE_VERSION&canonical=true"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))));
        }

        private URI api(String path) {
            return URI.create(base + AvroSerdes.REGISTRY_API + path);
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
            request.timeout(Duration.ofSeconds(30));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        private static void expect2xx(String what, HttpResponse<String> response) {
            if (response.statusCode() / 100 != 2) {
                String body = response.body();
                throw new IllegalStateException(what + ": the registry answered " + response.statusCode() + ": "
                        + (body.length() > 300 ? body.substring(0, 300) : body));
            }
        }
    }
}
