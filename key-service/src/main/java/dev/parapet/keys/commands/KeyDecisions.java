package dev.parapet.keys.commands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.agents.RevocationReason;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.CreateKey;
import dev.parapet.schemas.v1.keys.DeleteKey;
import dev.parapet.schemas.v1.keys.EnrolAgent;
import dev.parapet.schemas.v1.keys.KeyCommand;
import dev.parapet.schemas.v1.keys.KeyCommandRejection;
import dev.parapet.schemas.v1.keys.KeyCommandResult;
import dev.parapet.schemas.v1.keys.KeyStatus;
import tools.jackson.databind.node.ObjectNode;

/**
 * The key lifecycle as a pure function: given an account's current key, its agents and one command,
 * what changes. The command processor applies one command at a time per account, so what this
 * decides is never raced.
 */
public final class KeyDecisions {

    /** What one command changes. */
    public record Decision(KeyCommandResult result, Optional<AccountKeyState> key, List<AgentState> agents,
                           List<AuditEvent> audit) {
    }

    private KeyDecisions() {
    }

    /**
     * @param current        the account's key, if it ever had one
     * @param accountAgents  the account's agents the command can change: for an enrolment, its device's (if enrolled before); for a deletion, all
     * @param command        the command
     * @param now            the time of the decision
     */
    public static Decision decide(AccountKeyState current, List<AgentState> accountAgents, KeyCommand command, Instant now) {
        Object action = command.getAction();
        if (action instanceof CreateKey create) {
            return create(current, command, create, now);
        }
        if (action instanceof DeleteKey delete) {
            return delete(current, accountAgents, command, delete, now);
        }
        if (action instanceof EnrolAgent enrol) {
            return enrol(current, accountAgents, command, enrol, now);
        }
        return rejected(command, current, KeyCommandRejection.OTHER);
    }

    private static Decision create(AccountKeyState current, KeyCommand command, CreateKey create, Instant now) {
        if (current != null && current.getStatus() == KeyStatus.ACTIVE) {
            return rejected(command, current, KeyCommandRejection.KEY_EXISTS);
        }
        AccountKeyState issued = AccountKeyState.newBuilder()
                .setAccountId(command.getAccountId())
                .setKeyId(create.getKeyId())
                .setGeneration(current == null ? 1 : current.getGeneration() + 1)
                .setStatus(KeyStatus.ACTIVE)
                .setRegion(create.getRegion())
                .setEncryptedKey(create.getEncryptedKey())
                .setVerifier(create.getVerifier())
                .setIssuedBy(dev.parapet.kit.audit.Actors.name(command.getActor()))
                .setIssuedAt(now)
                .build();
        return new Decision(accepted(command, issued.getGeneration(), null), Optional.of(issued), List.of(),
                List.of(audit(command, now, "key.create", "key", issued.getKeyId().toString(),
                        current == null ? null : AuditJson.write(describe(current)), AuditJson.write(describe(issued)))));
    }

    private static Decision delete(AccountKeyState current, List<AgentState> agents, KeyCommand command,
                                   DeleteKey delete, Instant now) {
        if (current == null || current.getStatus() != KeyStatus.ACTIVE) {
            return rejected(command, current, KeyCommandRejection.NO_ACTIVE_KEY);
        }
        if (!current.getKeyId().equals(delete.getKeyId())) {
            return rejected(command, current, KeyCommandRejection.KEY_CHANGED);
        }
        AccountKeyState revoked = AccountKeyState.newBuilder(current)
                .setStatus(KeyStatus.REVOKED)
                .setRevokedBy(dev.parapet.kit.audit.Actors.name(command.getActor()))
                .setRevokedAt(now)
                .build();
        List<AgentState> revokedAgents = new ArrayList<>();
        for (AgentState agent : agents) {
            if (agent.getStatus() == AgentStatus.ACTIVE && agent.getKeyGeneration() == current.getGeneration()) {
                revokedAgents.add(AgentState.newBuilder(agent).setStatus(AgentStatus.REVOKED)
                        .setRevocationReason(RevocationReason.KEY_DELETED).setRevokedAt(now).build());
            }
        }
        return new Decision(accepted(command, current.getGeneration(), null), Optional.of(revoked), revokedAgents,
                List.of(audit(command, now, "key.delete", "key", current.getKeyId().toString(),
                        AuditJson.write(describe(current)), AuditJson.write(describe(revoked).put("agentsRevoked", revokedAgents.size())))));
    }

    private static Decision enrol(AccountKeyState current, List<AgentState> agents, KeyCommand command,
                                  EnrolAgent enrol, Instant now) {
        if (current == null || current.getStatus() != KeyStatus.ACTIVE) {
            return rejected(command, current, KeyCommandRejection.NO_ACTIVE_KEY);
        }
        if (!current.getKeyId().equals(enrol.getKeyId())) {
            return rejected(command, current, KeyCommandRejection.KEY_CHANGED);
        }
        Optional<AgentState> existing = agents.stream()
                .filter(agent -> agent.getDeviceId().equals(enrol.getDeviceId()))
                .findFirst();
        UUID agentId = existing.map(AgentState::getAgentId).orElse(enrol.getProposedAgentId());
        AgentState enrolled = AgentState.newBuilder()
                .setAgentId(agentId)
                .setAccountId(command.getAccountId())
                .setDeviceId(enrol.getDeviceId())
                .setHostname(enrol.getHostname())
                .setOsName(enrol.getOsName())
                .setOsVersion(enrol.getOsVersion())
                .setAgentVersion(enrol.getAgentVersion())
                .setKeyId(current.getKeyId())
                .setKeyGeneration(current.getGeneration())
                .setCredentialVerifier(enrol.getCredentialVerifier())
                .setStatus(AgentStatus.ACTIVE)
                .setEnrolledAt(existing.map(AgentState::getEnrolledAt).orElse(now))
                .setLastEnrolledAt(now)
                .build();
        return new Decision(accepted(command, current.getGeneration(), agentId), Optional.empty(), List.of(enrolled),
                List.of(audit(command, now, existing.isPresent() ? "agent.reenrol" : "agent.enrol", "agent",
                        agentId.toString(), null, AuditJson.write(AuditJson.object().put("deviceId", enrolled.getDeviceId())
                                .put("hostname", enrolled.getHostname()).put("keyGeneration", enrolled.getKeyGeneration())))));
    }

    private static Decision rejected(KeyCommand command, AccountKeyState current, KeyCommandRejection why) {
        KeyCommandResult result = KeyCommandResult.newBuilder().setCommandId(command.getCommandId())
                .setAccountId(command.getAccountId()).setAccepted(false).setRejection(why)
                .setKeyGeneration(current == null ? 0 : current.getGeneration()).build();
        return new Decision(result, Optional.empty(), List.of(), List.of());
    }

    private static KeyCommandResult accepted(KeyCommand command, long generation, UUID agentId) {
        return KeyCommandResult.newBuilder().setCommandId(command.getCommandId()).setAccountId(command.getAccountId())
                .setAccepted(true).setKeyGeneration(generation).setAgentId(agentId).build();
    }

    /** The key as the audit trail shows it: never the key itself. */
    static ObjectNode describe(AccountKeyState key) {
        return AuditJson.object().put("keyId", key.getKeyId().toString()).put("generation", key.getGeneration())
                .put("status", key.getStatus().name()).put("region", key.getRegion().name());
    }

    private static AuditEvent audit(KeyCommand command, Instant now, String action, String type, String id,
                                    String before, String after) {
        return AuditEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(now)
                .setAccountId(command.getAccountId())
                .setActor(command.getActor())
                .setAction(action)
                .setResourceType(type)
                .setResourceId(id)
                .setBefore(before)
                .setAfter(after)
                .setOutcome(Outcome.SUCCESS)
                .setSourceAddress(command.getSourceAddress())
                .build();
    }
}
