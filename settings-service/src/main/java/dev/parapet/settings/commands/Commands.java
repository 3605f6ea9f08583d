package dev.parapet.settings.commands;

import java.time.Instant;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;

import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.parapet.kit.audit.AdminAudit;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.v1.settings.QuotaExceeded;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.settings.agentsettings.SettingsState;
import reactor.core.publisher.Mono;

/** How the HTTP side sends a command to its writer and turns the outcome into an answer. */
public final class Commands {

    private Commands() {
    }

    /**
     * Sends a command to its writer (the account's, or the global one for locations and category feeds); fails with the
     * problem matching a refusal; otherwise completes with the new version once {@code visible} says
     * this instance's view shows it, so that the administrator reads their own write.
     */
    public static Mono<Long> send(SettingsState state, UUID accountId, Admin admin, ServerHttpRequest http, Object action,
                                  LongPredicate visible) {
        return send(state, accountId, admin, http, action, state.follower(), visible).map(SettingsCommandResult::getVersion);
    }

    /**
     * As {@link #send(SettingsState, UUID, Admin, ServerHttpRequest, Object, LongPredicate)}, for a change that
     * another follower of this instance shows ({@code shownBy}, e.g. the account registry's), completing with the
     * writer's whole result.
     */
    public static Mono<SettingsCommandResult> send(SettingsState state, UUID accountId, Admin admin, ServerHttpRequest http,
                                                   Object action, TopicFollower shownBy, LongPredicate visible) {
        UUID commandId = UUID.randomUUID();
        SettingsCommand command = SettingsCommand.newBuilder().setCommandId(commandId).setAccountId(accountId)
                .setRequestedAt(Instant.now())
                .setActor(AdminAudit.actor(admin))
                .setSourceAddress(AdminAudit.sourceAddress(http)).setAction(action).build();
        Feature.Writer writer = CommandFeatures.writerOf(action);
        Mono<SettingsCommandResult> sent = (writer == Feature.Writer.GLOBAL ? state.globalCommands() : state.commands())
                .send(commandId, writer.key(command), command);
        return SentCommands.noting(commandId, sent.flatMap(result -> {
            if (!result.getAccepted()) {
                return Mono.error(problem(result));
            }
            long version = result.getVersion();
            BooleanSupplier shown = () -> visible.test(version);
            return Mono.fromFuture(() -> shownBy.when(shown, state.commandTimeout()))
                    .onErrorMap(java.util.concurrent.TimeoutException.class, e -> dev.parapet.kit.problem.Problems.unavailable(
                            "The change was applied (version " + version + ") but this instance does not show it yet; read it again shortly."))
                    .thenReturn(result);
        }));
    }

    private static RuntimeException problem(SettingsCommandResult result) {
        String detail = result.getDetail();
        return switch (result.getRejection()) {
            case VERSION_MISMATCH -> Problems.preconditionFailed("This changed since you read it (now version "
                    + result.getVersion() + "); read it again and retry with the new ETag.");
            case NOT_FOUND -> Problems.notFound(capitalised(detail) + ".");
            case ALREADY_EXISTS, CONFLICT -> Problems.conflict(capitalised(detail) + ".");
            case INVALID -> Problems.badRequest(capitalised(detail) + ".");
            case QUOTA_EXCEEDED -> quotaExceeded(result);
            default -> Problems.badRequest("The change was refused" + (detail == null ? "." : ": " + detail + "."));
        };
    }

    /**
     * 409 with which quota, its limit and the account's current use as properties, so that a console
     * can say what to delete or whom to ask.
     */
    private static RuntimeException quotaExceeded(SettingsCommandResult result) {
        QuotaExceeded quota = result.getQuota();
        return quota == null ? Problems.conflict(capitalised(result.getDetail()) + ".")
                : quotaProblem(quota.getQuota(), quota.getLimit(), quota.getCurrent(), result.getDetail());
    }

    /** The 409 for a quota reached: the quota's name (as its property is named), its limit and the current use. */
    public static org.springframework.web.ErrorResponseException quotaProblem(String quota, long limit, long current, String detail) {
        org.springframework.web.ErrorResponseException problem = Problems.of(org.springframework.http.HttpStatus.CONFLICT,
                "Quota reached", capitalised(detail) + ".");
        problem.getBody().setProperty("quota", quota);
        problem.getBody().setProperty("limit", limit);
        problem.getBody().setProperty("current", current);
        return problem;
    }

    private static String capitalised(String text) {
        return text == null || text.isEmpty() ? "Refused" : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** The version an If-Match header names; null when absent or {@code *}. */
    public static Long expectedVersion(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return null;
        }
        String tag = ifMatch.trim().replaceFirst("^W/", "").replace("\"", "");
        try {
            return Long.parseLong(tag.startsWith("v") ? tag.substring(1) : tag);
        } catch (NumberFormatException e) {
            throw Problems.invalid("If-Match", "must be an ETag this API returned, such as \"v3\"");
        }
    }

    public static String etag(long version) {
        return "\"v" + version + "\"";
    }
}
