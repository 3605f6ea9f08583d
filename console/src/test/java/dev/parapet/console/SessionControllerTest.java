package dev.parapet.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SessionControllerTest {

    final SessionController controller = new SessionController(JsonMapper.builder().build());

    static String jwt(String claims) {
        return "eyJhbGciOiJSUzI1NiJ9." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8))
                + ".c2ln";
    }

    @Test
    void theAdministratorsAccountRoleAndPermissionsComeFromTheAccessToken() {
        JsonNode claims = controller.claims(jwt("{\"account\":\"a1\",\"role\":\"CUSTOM\",\"permissions\":[\"web-security:read\"]}"));
        assertThat(claims.get("account").asString()).isEqualTo("a1");
        assertThat(claims.get("role").asString()).isEqualTo("CUSTOM");
        assertThat(claims.get("permissions").get(0).asString()).isEqualTo("web-security:read");
    }

    @Test
    void anOpaqueOrBrokenTokenGivesNoClaimsRatherThanAnError() {
        assertThat(controller.claims("opaque-token").isEmpty()).isTrue();
        assertThat(controller.claims("a.!!!.c").isEmpty()).isTrue();
        assertThat(controller.claims("a." + Base64.getUrlEncoder().encodeToString("not json".getBytes(StandardCharsets.UTF_8)) + ".c")
                .isEmpty()).isTrue();
    }
}
