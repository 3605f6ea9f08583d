package dev.parapet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A broker locked down as production runs it, for tests: clients on a SASL_SSL listener with
 * SCRAM-SHA-512, the controller listener on mutual TLS, Kafka's {@code StandardAuthorizer} with
 * {@code allow.everyone.if.no.acl.found=false}, and only the broker and the admin as super users. A
 * throwaway CA and the broker's key are made here with the JDK's keytool; every user's SCRAM credential
 * is written into the storage when it is formatted ({@code kafka-storage format --add-scram}), so the
 * users exist before the broker serves anyone.
 */
public final class KafkaSecurity {

    /** The broker's own principal (its certificate's CN, and its SCRAM user for inter-broker traffic). */
    public static final String BROKER = "broker";
    /** The operator's principal, a super user. */
    public static final String ADMIN = "admin";
    public static final String MECHANISM = "SCRAM-SHA-512";

    private final Path trustStore;
    private final Path keyStore;
    private final String storePassword;
    private final Map<String, String> passwords;

    private KafkaSecurity(Path trustStore, Path keyStore, String storePassword, Map<String, String> passwords) {
        this.trustStore = trustStore;
        this.keyStore = keyStore;
        this.storePassword = storePassword;
        this.passwords = Map.copyOf(passwords);
    }

    /**
     * Makes the CA, the broker's key store (its certificate valid for 127.0.0.1 and localhost) and a trust
     * store for clients in {@code directory}, and a random password for the broker, the admin and each of
     * {@code users}.
     */
    public static KafkaSecurity create(StackDistribution distribution, Path directory, List<String> users) {
        try {
            Files.createDirectories(directory);
            String storePassword = randomPassword();
            Path keytool = distribution.java().resolveSibling("keytool");
            Path ca = directory.resolve("ca.p12");
            Path keyStore = directory.resolve("broker.p12");
            Path trustStore = directory.resolve("truststore.p12");
            for (Path old : List.of(ca, keyStore, trustStore, directory.resolve("broker.csr"), directory.resolve("broker.crt"),
                    directory.resolve("ca.crt"))) {
                Files.deleteIfExists(old);
            }
            keytool(keytool, directory, storePassword, "-genkeypair", "-keystore", ca.toString(), "-alias", "ca", "-dname", "CN=parapet-test-ca",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30", "-ext", "bc:c");
            keytool(keytool, directory, storePassword, "-exportcert", "-keystore", ca.toString(), "-alias", "ca", "-rfc", "-file", "ca.crt");
            keytool(keytool, directory, storePassword, "-genkeypair", "-keystore", keyStore.toString(), "-alias", BROKER, "-dname", "CN=" + BROKER,
                    "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30");
            keytool(keytool, directory, storePassword, "-certreq", "-keystore", keyStore.toString(), "-alias", BROKER, "-file", "broker.csr");
            keytool(keytool, directory, storePassword, "-gencert", "-keystore", ca.toString(), "-alias", "ca", "-infile", "broker.csr",
                    "-outfile", "broker.crt", "-rfc", "-validity", "30", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
            keytool(keytool, directory, storePassword, "-importcert", "-keystore", keyStore.toString(), "-alias", "ca", "-file", "ca.crt", "-noprompt");
            keytool(keytool, directory, storePassword, "-importcert", "-keystore", keyStore.toString(), "-alias", BROKER, "-file", "broker.crt");
            keytool(keytool, directory, storePassword, "-importcert", "-keystore", trustStore.toString(), "-alias", "ca", "-file", "ca.crt", "-noprompt");
            Map<String, String> passwords = new LinkedHashMap<>();
            passwords.put(BROKER, randomPassword());
            passwords.put(ADMIN, randomPassword());
            users.forEach(user -> passwords.put(user, randomPassword()));
            return new KafkaSecurity(trustStore, keyStore, storePassword, passwords);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each user's password. */
    public String password(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("No Kafka user " + user + " (there are " + passwords.keySet() + ")");
        }
        return password;
    }

    public Path trustStore() {
        return trustStore;
    }

    public String trustStorePassword() {
        return storePassword;
    }

    /** Arguments of {@code kafka-storage format} that create every user's SCRAM credential. */
    List<String> formatArguments() {
        List<String> arguments = new ArrayList<>();
        passwords.forEach((user, password) -> arguments.addAll(List.of("--add-scram",
                MECHANISM + "=[name=" + user + ",password=" + password + "]")));
        return arguments;
    }

    /** The broker's settings: a SASL_SSL client listener, an mTLS controller listener, the authorizer and super users. */
    Map<String, String> brokerSettings(int brokerPort, int controllerPort) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listeners", "SASL_SSL://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        settings.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + brokerPort);
        settings.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
        settings.put("inter.broker.listener.name", "SASL_SSL");
        settings.put("sasl.enabled.mechanisms", MECHANISM);
        settings.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        settings.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(BROKER));
        settings.put("ssl.keystore.type", "PKCS12");
        settings.put("ssl.keystore.location", keyStore.toString());
        settings.put("ssl.keystore.password", storePassword);
        settings.put("ssl.key.password", storePassword);
        settings.put("ssl.truststore.type", "PKCS12");
        settings.put("ssl.truststore.location", trustStore.toString());
        settings.put("ssl.truststore.password", storePassword);
        // The controller listener takes only the broker's own certificate (SCRAM users live in the metadata
        // the controller serves, so the controller cannot use them); its CN is the principal.
        settings.put("listener.name.controller.ssl.client.auth", "required");
        settings.put("ssl.principal.mapping.rules", "RULE:^CN=([a-zA-Z0-9.-]+)$/$1/,DEFAULT");
        settings.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        settings.put("allow.everyone.if.no.acl.found", "false");
        settings.put("super.users", "User:" + BROKER + ";User:" + ADMIN);
        return settings;
    }

    /** Kafka client properties that authenticate as {@code user}. */
    public Map<String, Object> clientProperties(String user) {
        return clientProperties(user, password(user));
    }

    /** Kafka client properties that try to authenticate as {@code user} with this password (right or wrong). */
    public Map<String, Object> clientProperties(String user, String password) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("security.protocol", "SASL_SSL");
        properties.put("sasl.mechanism", MECHANISM);
        properties.put("sasl.jaas.config", jaas(user, password));
        properties.put("ssl.truststore.type", "PKCS12");
        properties.put("ssl.truststore.location", trustStore.toString());
        properties.put("ssl.truststore.password", storePassword);
        return properties;
    }

    /** The Spring properties that make a Parapet service authenticate as {@code user} (docs/operations.md). */
    public Map<String, String> springProperties(String user) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.kafka.security.protocol", "SASL_SSL");
        properties.put("spring.kafka.properties.sasl.mechanism", MECHANISM);
        properties.put("spring.kafka.properties.sasl.jaas.config", jaas(user));
        properties.put("spring.kafka.ssl.trust-store-type", "PKCS12");
        properties.put("spring.kafka.ssl.trust-store-location", "file:" + trustStore);
        properties.put("spring.kafka.ssl.trust-store-password", storePassword);
        return properties;
    }

    private String jaas(String user) {
        return jaas(user, password(user));
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static void keytool(Path keytool, Path directory, String storePassword, String... arguments) {
        List<String> command = new ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", storePassword));
        ManagedProcess.runToCompletion("keytool " + arguments[0], command, directory, directory.resolve("keytool.log"),
                Duration.ofMinutes(1));
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return password.toString();
    }
}
