package dev.parapet.diagnostics.intake;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.parapet.kit.problem.Problems.FieldError;

/**
 * The answer to a batch: how many reports were accepted and refused, and for each report by its index
 * in the batch, its event id (accepted) or every bad field (refused).
 */
public record IntakeResponse(int accepted, int refused, List<Result> results) {

    public enum Status { ACCEPTED, REFUSED }

    /** One report's outcome; {@code eventId} only when accepted, {@code errors} only when refused. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(int index, Status status, UUID eventId, List<FieldError> errors) {

        static Result accepted(int index, UUID eventId) {
            return new Result(index, Status.ACCEPTED, eventId, null);
        }

        static Result refused(int index, List<FieldError> errors) {
            return new Result(index, Status.REFUSED, null, errors);
        }
    }
}
