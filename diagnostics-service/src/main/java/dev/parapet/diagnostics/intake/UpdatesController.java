package dev.parapet.diagnostics.intake;

import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.diagnostics.DiagnosticsProperties;
import dev.parapet.kit.agents.AgentCredentialVerifier;

/**
 * The newest published agent version, for agents whose account lets users check for updates
 * ({@code GET /agent/v1/updates}, agent credential as bearer). The same version the OUTDATED_AGENT
 * finding compares with, so an agent that is told it is up to date is never reported as outdated.
 * Whether the account's Manage Updates setting is on is the agent's to check (it has the setting from
 * its configuration stream); any valid credential may ask.
 */
@RestController
public class UpdatesController {

    public static final String PATH = "/agent/v1/updates";

    private final AgentCredentialVerifier credentials;
    private final String latestVersion;

    public UpdatesController(AgentCredentialVerifier credentials, DiagnosticsProperties properties) {
        this.credentials = credentials;
        this.latestVersion = properties.latestAgentVersion();
    }

    @GetMapping(path = PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, String> latest(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        credentials.requireBearer(authorization);
        return Map.of("latestVersion", latestVersion);
    }
}
