package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentCustomerKeyFileTest {

    /** Exactly what key-service's GET /key/file answers. */
    static final String AS_DOWNLOADED = "# Parapet security agent key. Keep it secret: anyone holding it can enrol devices.\n"
            + "ParapetKey=PK1-EU-ABCDEFGHJKMNPQRSTVWXYZ0123456789-WXYZ\n"
            + "ApiBaseUrl=http://127.0.0.1:18101\n"
            + "Region=eu\n";

    @Test
    void theFileAsKeyServiceWritesItGivesKeyBaseUrlAndRegion() {
        CustomerKeyFile file = CustomerKeyFile.parse(AS_DOWNLOADED);

        assertThat(file.parapetKey()).isEqualTo("PK1-EU-ABCDEFGHJKMNPQRSTVWXYZ0123456789-WXYZ");
        assertThat(file.apiBaseUrl()).isEqualTo(URI.create("http://127.0.0.1:18101"));
        assertThat(file.region()).isEqualTo("eu");
        assertThat(file.toString()).doesNotContain("PK1");
    }

    @Test
    void windowsLineEndsAByteOrderMarkSpacesAndATrailingSlashAreAccepted(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("CustomerKey");
        Files.writeString(key, "\uFEFFParapetKey = PK1-US-ABCDEFGHJKMNPQRSTVWXYZ0123456789-WXYZ \r\nApiBaseUrl=https://us.api.parapet.dev/\r\n"
                + "Region=US\r\n", StandardCharsets.UTF_8);

        CustomerKeyFile file = CustomerKeyFile.read(key);

        assertThat(file.apiBaseUrl()).isEqualTo(URI.create("https://us.api.parapet.dev"));
        assertThat(file.region()).isEqualTo("us");
        assertThat(Endpoints.defaults(file.apiBaseUrl()).doh()).isEqualTo(URI.create("https://us.api.parapet.dev/dns-query"));
    }

    @Test
    void aMissingOrDoubledLineOrABadUrlOrRegionIsRefusedWithItsName() {
        assertThatThrownBy(() -> CustomerKeyFile.parse("ApiBaseUrl=http://x\nRegion=eu\n")).hasMessageContaining("ParapetKey");
        assertThatThrownBy(() -> CustomerKeyFile.parse(AS_DOWNLOADED + "Region=us\n")).hasMessageContaining("line 5").hasMessageContaining("twice");
        assertThatThrownBy(() -> CustomerKeyFile.parse(AS_DOWNLOADED.replace("http://127.0.0.1:18101", "ftp://x")))
                .hasMessageContaining("ApiBaseUrl");
        assertThatThrownBy(() -> CustomerKeyFile.parse(AS_DOWNLOADED.replace("http://127.0.0.1:18101", "https://x/?a=b")))
                .hasMessageContaining("ApiBaseUrl");
        assertThatThrownBy(() -> CustomerKeyFile.parse(AS_DOWNLOADED.replace("Region=eu", "Region=mars"))).hasMessageContaining("Region");
        assertThatThrownBy(() -> CustomerKeyFile.parse(AS_DOWNLOADED.replace("Region=eu", "just words"))).hasMessageContaining("line 4");
        assertThatThrownBy(() -> CustomerKeyFile.parse("")).hasMessageContaining("ParapetKey");
    }

    @Test
    void plainHttpIsRefusedExceptToThisMachine() {
        assertThatThrownBy(() -> CustomerKeyFile.parse(AS_DOWNLOADED.replace("http://127.0.0.1:18101", "http://eu.api.parapet.example")))
                .hasMessageContaining("must be https://");
        assertThatThrownBy(() -> CustomerKeyFile.parse(AS_DOWNLOADED.replace("http://127.0.0.1:18101", "http://192.0.2.10")))
                .hasMessageContaining("must be https://");
        assertThat(CustomerKeyFile.parse(AS_DOWNLOADED.replace("http://127.0.0.1:18101", "https://eu.api.parapet.example"))
                .apiBaseUrl()).isEqualTo(URI.create("https://eu.api.parapet.example"));
        assertThat(CustomerKeyFile.parse(AS_DOWNLOADED.replace("http://127.0.0.1:18101", "http://localhost:18101")).apiBaseUrl())
                .isEqualTo(URI.create("http://localhost:18101"));
        assertThat(CustomerKeyFile.parse(AS_DOWNLOADED.replace("http://127.0.0.1:18101", "http://[::1]:18101")).apiBaseUrl())
                .isEqualTo(URI.create("http://[::1]:18101"));
    }

    @Test
    void aFileTooBigToBeAKeyIsNotRead(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("CustomerKey");
        Files.write(big, new byte[CustomerKeyFile.MAX_BYTES + 1]);

        assertThatThrownBy(() -> CustomerKeyFile.read(big)).hasMessageContaining("not a CustomerKey");
    }

    @Test
    void randomAndMutatedFilesFailOnlyWithAMessage() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            char[] text = AS_DOWNLOADED.toCharArray();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                text[random.nextInt(text.length)] = (char) random.nextInt(i % 2 == 0 ? 128 : 0x3000);
            }
            String mutated = random.nextInt(10) == 0 ? randomText(random) : new String(text);
            try {
                CustomerKeyFile.parse(mutated);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).startsWith("CustomerKey");
            }
        }
    }

    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(200);
        for (int i = 0; i < length; i++) {
            text.append((char) random.nextInt(0x100));
        }
        return text.toString();
    }
}
