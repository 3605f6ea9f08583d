package dev.parapet.diagnostics.intake;

import java.util.List;

import dev.parapet.kit.problem.Problems.FieldError;
import dev.parapet.schemas.v1.telemetry.AgentStatusReport;
import dev.parapet.schemas.v1.telemetry.TelemetryKind;

/** One report of a batch once checked: what will be written, or every reason it will not be. */
sealed interface CheckedReport {

    /** A report to write; who sent it and when it arrived are added from the request, not the body. */
    record Accepted(TelemetryKind kind, AgentStatusReport status, List<String> lastErrors) implements CheckedReport {
    }

    /** A report refused, with each bad field's path and reason. */
    record Refused(List<FieldError> errors) implements CheckedReport {
    }
}
