package dev.parapet.diagnostics.siem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.parapet.diagnostics.siem.SiemProperties.Destination;
import dev.parapet.diagnostics.siem.Syslog.Facility;

/** The operator's settings of the SIEM exports, bound as Spring binds them and checked at start. */
class SiemPropertiesTest {

    @TempDir
    Path directory;

    static SiemProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("parapet.diagnostics.siem", SiemProperties.class);
    }

    /** The four settings every destination needs, at its place in the list. */
    static Map<String, String> destination(int index, UUID account, String host, String port, Path ca) {
        String prefix = "parapet.diagnostics.siem.destinations[" + index + "].";
        return Map.of(prefix + "account", account.toString(), prefix + "host", host, prefix + "port", port,
                prefix + "ca-file", ca.toString());
    }

    @Test
    void noDestinationsByDefault() {
        SiemProperties properties = bind(Map.of());
        assertThat(properties.destinations()).isEmpty();
        assertThat(properties.maxPollRecords()).isEqualTo(500);
        assertThat(properties.startAt()).isEqualTo("latest");
        assertThat(properties.minBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aDestinationIsBoundFromItsPropertiesWithJsonLocal0AndHostnameVerificationByDefault() throws Exception {
        Path ca = Files.writeString(directory.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----");
        UUID account = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        Map<String, String> settings = new HashMap<>(destination(0, account, "siem.example.org", "6514", ca));
        settings.putAll(destination(1, other, "192.0.2.20", "10514", ca));
        settings.put("parapet.diagnostics.siem.destinations[1].format", "CEF");
        settings.put("parapet.diagnostics.siem.destinations[1].facility", "USER");
        SiemProperties properties = bind(settings);
        assertThat(properties.destinations()).containsExactly(
                new Destination(account, "siem.example.org", 6514, ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null),
                new Destination(other, "192.0.2.20", 10514, ca, true, SiemFormat.CEF, Facility.USER, null, null));
    }

    @Test
    void aBadDestinationIsNamedByItsPlaceInTheSettingsAndItsAccount() throws Exception {
        Path ca = Files.writeString(directory.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----");
        UUID good = UUID.randomUUID();
        UUID bad = UUID.randomUUID();
        Map<String, String> settings = new HashMap<>(destination(0, good, "siem.example.org", "6514", ca));
        settings.putAll(destination(1, bad, "siem.example.org", "0", ca));
        assertThatThrownBy(() -> bind(settings))
                .isInstanceOfSatisfying(BindException.class, e -> assertThat(e.getName()).hasToString("parapet.diagnostics.siem.destinations[1]"))
                .hasRootCauseMessage("parapet.diagnostics.siem.destinations[] (account " + bad + ").port must be from 1 to 65535, not 0");
    }

    @Test
    void aDestinationThatCannotWorkIsRefusedWithAMessageNamingWhatIsWrong(@TempDir Path directory) throws Exception {
        Path ca = Files.writeString(directory.resolve("ca.pem"), "not a certificate");
        UUID account = UUID.randomUUID();
        assertThatThrownBy(() -> new Destination(account, "siem.example", 0, ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null))
                .hasMessageContaining(".port must be from 1 to 65535, not 0");
        assertThatThrownBy(() -> new Destination(account, "siem.example", 65_536, ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null))
                .hasMessageContaining(".port");
        assertThatThrownBy(() -> new Destination(account, "siem example;rm", 6514, ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null))
                .hasMessageContaining(".host must be a host name or IP address");
        assertThatThrownBy(() -> new Destination(account, null, 6514, ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null))
                .hasMessageContaining(".host");
        assertThatThrownBy(() -> new Destination(account, "siem.example", 6514, null, true, SiemFormat.JSON, Facility.LOCAL0, null, null))
                .hasMessageContaining(".ca-file is required");
        assertThatThrownBy(() -> new Destination(account, "siem.example", 6514, directory.resolve("missing.pem"), true, SiemFormat.JSON,
                Facility.LOCAL0, null, null)).hasMessageContaining("missing.pem cannot be read");
        assertThatThrownBy(() -> new Destination(null, "siem.example", 6514, ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null))
                .hasMessageContaining(".account is required");
        assertThatThrownBy(() -> new Destination(account, "siem.example", 6514, ca, true, SiemFormat.JSON, Facility.LOCAL0, ca, null))
                .hasMessageContaining(".client-certificate-file and .client-key-file go together");
        assertThatThrownBy(() -> new Destination(account, "siem.example", 6514, ca, true, SiemFormat.JSON, Facility.LOCAL0, ca,
                directory.resolve("missing.key"))).hasMessageContaining(".client-key-file").hasMessageContaining("missing.key cannot be read");
        Destination good = new Destination(account, "siem.example", 6514, ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null);
        assertThat(good.group()).isEqualTo("diagnostics-service-siem-" + account);
        assertThatThrownBy(() -> new SyslogTls(good, Duration.ofSeconds(1))).hasMessageContaining("cannot be read as PEM certificates");
        assertThatThrownBy(() -> new SiemProperties(List.of(good, good), "", 500, "latest", Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(30), false, 50)).hasMessageContaining("one destination per account");
        assertThatThrownBy(() -> new SiemProperties(List.of(), "", 500, "yesterday", Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(30), false, 50)).hasMessageContaining("start-at");
        assertThatThrownBy(() -> new SiemProperties(List.of(), "", 500, "latest", Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(30), false, 50)).hasMessageContaining("connect-timeout must be positive");
        assertThatThrownBy(() -> bind(Map.of("parapet.diagnostics.siem.connect-timeout", "0s")))
                .hasRootCauseMessage("parapet.diagnostics.siem.connect-timeout must be positive, not PT0S");
    }
}
