package dev.parapet.diagnostics.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

import dev.parapet.diagnostics.devices.DeviceRow;

class DeviceSearchTest {

    static DeviceRow device(String hostname, String deviceId, String user) {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        return new DeviceRow(UUID.randomUUID(), UUID.randomUUID(), deviceId, hostname, "ACTIVE", now, "1.2.0", "macOS", null, "14.1",
                true, "PROTECTED", user, user == null ? "NONE" : "TOKEN", now, 0L, 1L, "LIVE_STREAM", null, List.of(), now, now, List.of());
    }

    final DeviceRow annsLaptop = device("LEEDS-LT-0042", "serial-ab12", "ann@example.com");
    final DeviceRow kiosk = device("reception-kiosk", "serial-cd34", null);

    @Test
    void noSearchMatchesEveryDevice() {
        assertThat(DeviceSearch.of(null).test(kiosk)).isTrue();
        assertThat(DeviceSearch.of("   ").test(annsLaptop)).isTrue();
    }

    @Test
    void aWordMatchesPartOfTheHostNameDeviceIdOrSignedInUserIgnoringCase() {
        assertThat(DeviceSearch.of("leeds").test(annsLaptop)).isTrue();
        assertThat(DeviceSearch.of("AB12").test(annsLaptop)).isTrue();
        assertThat(DeviceSearch.of("ann@").test(annsLaptop)).isTrue();
        assertThat(DeviceSearch.of("leeds").test(kiosk)).isFalse();
        assertThat(DeviceSearch.of("ann").test(kiosk)).as("no user signed in").isFalse();
    }

    @Test
    void everyWordMustMatch() {
        assertThat(DeviceSearch.of("leeds ann").test(annsLaptop)).isTrue();
        assertThat(DeviceSearch.of("leeds bob").test(annsLaptop)).isFalse();
    }

    @Test
    void anOverlongSearchIsRefused() {
        assertThatThrownBy(() -> DeviceSearch.of("x".repeat(DeviceSearch.MAX_LENGTH + 1)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(400);
                    assertThat(e.getBody().getDetail()).startsWith("q: must be at most");
                });
    }
}
