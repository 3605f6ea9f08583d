package dev.parapet.kit.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoggedPathsTest {

    static final String AGENT = "836fc149-cf89-4428-9399-ead44e69c8da";

    @Test
    void theSecretOfACredentialIsMaskedWhereverItIs() {
        assertThat(LoggedPaths.mask("/dns-query/pac1." + AGENT + ".secretSECRET_-x?dns=AAAB"))
                .isEqualTo("/dns-query/****?dns=AAAB");
        assertThat(LoggedPaths.mask("/other/pac1." + AGENT + ".secretSECRET_-x/more"))
                .isEqualTo("/other/pac1." + AGENT + ".****/more");
    }

    @Test
    void aMalformedCredentialInTheDohPathIsMaskedToo() {
        assertThat(LoggedPaths.mask("/dns-query/almost-a-credential")).isEqualTo("/dns-query/****");
        assertThat(LoggedPaths.mask("/dns-query?dns=AAAB")).isEqualTo("/dns-query?dns=AAAB");
        assertThat(LoggedPaths.mask("/api/v1/accounts/" + AGENT + "/dns/explain")).isEqualTo("/api/v1/accounts/" + AGENT + "/dns/explain");
        assertThat(LoggedPaths.mask(null)).isNull();
    }

    @Test
    void aLocationsDohSecretIsMasked() {
        assertThat(LoggedPaths.mask("/dns-query/l/Zm9vYmFyYmF6cXV4cXV1eHh4eHh4eHh4?dns=AAAB")).isEqualTo("/dns-query/l/****?dns=AAAB");
        assertThat(LoggedPaths.mask("/dns-query/l/not-a-secret/more")).isEqualTo("/dns-query/l/****/more");
    }
}
