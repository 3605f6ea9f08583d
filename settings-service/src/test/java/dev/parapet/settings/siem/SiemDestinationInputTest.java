package dev.parapet.settings.siem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.schemas.v1.siem.SiemFacility;
import dev.parapet.schemas.v1.siem.SiemFormat;

/** What an administrator may give as a SIEM destination. */
public class SiemDestinationInputTest {

    public static final String CA = read("/siem/ca.pem");

    static String read(String resource) {
        try (InputStream in = SiemDestinationInputTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SiemDestinationInput.Checked check(String host, Integer port, String pem, boolean allowPrivate) {
        return new SiemDestinationInput(host, port, pem, null, null, null).check(allowPrivate);
    }

    private static String refusedField(SiemDestinationInput.Checked checked) {
        assertThat(checked.destination()).isEmpty();
        return checked.errors().get(0).field();
    }

    @Test
    void aReceiverOnTheInternetWithItsAuthorityIsTakenWithTheDefaults() {
        SiemDestination destination = check(" SIEM.Example.com. ", 6514, CA, false).destination().orElseThrow();
        assertThat(destination.getHost()).isEqualTo("siem.example.com");
        assertThat(destination.getPort()).isEqualTo(6514);
        assertThat(destination.getVerifyHostname()).isTrue();
        assertThat(destination.getFormat()).isEqualTo(SiemFormat.JSON);
        assertThat(destination.getFacility()).isEqualTo(SiemFacility.LOCAL0);
        assertThat(destination.getCaCertificates()).startsWith("-----BEGIN CERTIFICATE-----");

        SiemDestination cef = new SiemDestinationInput("203.0.113.5", 514, CA, false, "cef", "USER").check(false).destination().orElseThrow();
        assertThat(cef.getFormat()).isEqualTo(SiemFormat.CEF);
        assertThat(cef.getFacility()).isEqualTo(SiemFacility.USER);
        assertThat(cef.getVerifyHostname()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "fd00::1", "::ffff:127.0.0.1",
            "0.0.0.0", "224.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1", "fec0::1", "198.18.0.1", "localhost", "siem.localhost",
            "intranet"})
    void addressesAndNamesOffTheInternetAreRefusedUnlessTheOperatorAllowsThem(String host) {
        assertThat(refusedField(check(host, 6514, CA, false))).isEqualTo("host");
        if (!host.equals("224.0.0.1")) {
            assertThat(check(host, 6514, CA, true).destination()).as("the local stack and tests").isPresent();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "siem example.com", "siem.example.com:6514", "https://siem.example.com", "1.2.3", "300.1.1.1",
            "-siem.example.com", "siem..example.com", "[::1]"})
    void whatIsNeitherANameNorAnAddressIsRefused(String host) {
        assertThat(refusedField(check(host, 6514, CA, true))).isEqualTo("host");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65_536})
    void thePortMustBeATcpPort(int port) {
        assertThat(refusedField(check("siem.example.com", port, CA, false))).isEqualTo("port");
        assertThat(refusedField(check("siem.example.com", null, CA, false))).isEqualTo("port");
    }

    @Test
    void theAuthoritiesMustBePemCertificatesAndNeverAKey() {
        assertThat(refusedField(check("siem.example.com", 6514, null, false))).isEqualTo("caCertificates");
        SiemDestinationInput.Checked text = check("siem.example.com", 6514, "not a certificate", false);
        assertThat(refusedField(text)).isEqualTo("caCertificates");
        assertThat(text.errors().get(0).reason()).isEqualTo("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        assertThat(refusedField(check("siem.example.com", 6514, CA.replace("MII", "XXX"), false))).isEqualTo("caCertificates");
        SiemDestinationInput.Checked withKey = check("siem.example.com", 6514,
                CA + "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n", false);
        assertThat(refusedField(withKey)).isEqualTo("caCertificates");
        assertThat(withKey.errors().get(0).reason()).contains("private key");
        assertThat(refusedField(check("siem.example.com", 6514, CA.repeat(21), false))).as("more than 20").isEqualTo("caCertificates");
        assertThat(refusedField(check("siem.example.com", 6514, "x".repeat(70_000), false))).isEqualTo("caCertificates");

        assertThat(SiemDestinationInput.certificates(CA, new java.util.ArrayList<Problems.FieldError>()))
                .singleElement().satisfies(view -> assertThat(view.subject()).contains("CN=Parapet test SIEM CA"));
    }

    @Test
    void anUnknownFormatOrFacilityIsRefusedByName() {
        SiemDestinationInput.Checked checked = new SiemDestinationInput("siem.example.com", 6514, CA, null, "XML", "KERN").check(false);
        assertThat(checked.errors()).extracting(Problems.FieldError::field).containsExactly("format", "facility");
    }
}
