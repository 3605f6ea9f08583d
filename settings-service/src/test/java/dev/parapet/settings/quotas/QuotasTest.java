package dev.parapet.settings.quotas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class QuotasTest {

    @Test
    void theDocumentedDefaultsAreWhatAnUnconfiguredServiceGets() {
        Quotas bound = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("parapet.settings.quotas", Quotas.class);
        assertThat(bound).isEqualTo(Quotas.DEFAULTS);
        Quotas configured = new Binder(new MapConfigurationPropertySource(Map.of("parapet.settings.quotas.policies-per-account", "7")))
                .bindOrCreate("parapet.settings.quotas", Quotas.class);
        assertThat(configured.policiesPerAccount()).isEqualTo(7);
        assertThat(configured.domainsPerAccount()).isEqualTo(1_000_000);
    }

    @Test
    void aQuotaThatWouldRefuseEveryStreamIsRefusedAtStartUp() {
        assertThatThrownBy(() -> new Quotas(100, 1_000_000, 1000, 500, 256, 1000, 0, 10_000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
