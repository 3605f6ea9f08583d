package dev.parapet.agent;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * "Test policy blocking" on the device: one name that a policy should block and one that should
 * resolve, both asked of dns-service over DoH directly (not through the stub, so it works whether or
 * not {@code run} runs, and tests Parapet rather than the stub). Blocked means what dns-service does
 * for a blocked A query: an address (its block page's) with an Extended DNS Error 15 (Blocked) or 17
 * (Filtered); a plain answer for the blocked name is a failure, however it looks.
 */
public final class TestBlocking {

    private TestBlocking() {
    }

    public static AgentState.TestBlockingResult run(DohClient doh, String user, String blockedName, String allowedName)
            throws DohClient.Refused, InterruptedException {
        Name blocked = name(blockedName);
        Name allowed = name(allowedName);
        StringBuilder detail = new StringBuilder();
        boolean blockedNameBlocked = false;
        boolean allowedNameResolved = false;
        try {
            Message answer = ask(doh, user, blocked);
            List<ExtendedErrorCodeOption> errors = extendedErrors(answer);
            boolean stopped = errors.stream().anyMatch(e -> e.getErrorCode() == ExtendedErrorCodeOption.BLOCKED
                    || e.getErrorCode() == ExtendedErrorCodeOption.FILTERED);
            List<Record> addresses = answer.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.A).toList();
            blockedNameBlocked = stopped && answer.getRcode() == Rcode.NOERROR && !addresses.isEmpty();
            detail.append(blockedName).append(blockedNameBlocked ? " blocked (" : " NOT blocked (")
                    .append(Rcode.string(answer.getRcode()));
            addresses.stream().findFirst().ifPresent(r -> detail.append(", ").append(r.rdataToString()));
            errors.stream().findFirst().ifPresent(e -> detail.append(", EDE ").append(e.getErrorCode())
                    .append(e.getText() == null ? "" : " " + e.getText()));
            detail.append(")");
        } catch (DohClient.Unavailable | IOException e) {
            detail.append(blockedName).append(" not answered: ").append(e.getMessage());
        }
        detail.append("; ");
        try {
            Message answer = ask(doh, user, allowed);
            boolean stopped = extendedErrors(answer).stream().anyMatch(e -> e.getErrorCode() == ExtendedErrorCodeOption.BLOCKED
                    || e.getErrorCode() == ExtendedErrorCodeOption.FILTERED);
            allowedNameResolved = !stopped && answer.getRcode() == Rcode.NOERROR && !answer.getSection(Section.ANSWER).isEmpty();
            detail.append(allowedName).append(allowedNameResolved ? " resolved (" : " NOT resolved (")
                    .append(Rcode.string(answer.getRcode()))
                    .append(stopped ? ", blocked by a policy" : "")
                    .append(")");
        } catch (DohClient.Unavailable | IOException e) {
            detail.append(allowedName).append(" not answered: ").append(e.getMessage());
        }
        return new AgentState.TestBlockingResult(Instant.now(), blockedNameBlocked, allowedNameResolved,
                Telemetry.clean(detail.toString()));
    }

    static Name name(String text) {
        try {
            Name name = Name.fromString(text.strip(), Name.root);
            if (name.labels() < 2) {
                throw new AgentException(AgentException.FAILED, "'" + Enrolment.printable(text) + "' is not a name to test");
            }
            return name;
        } catch (TextParseException e) {
            throw new AgentException(AgentException.FAILED, "'" + Enrolment.printable(text) + "' is not a domain name: " + e.getMessage());
        }
    }

    private static Message ask(DohClient doh, String user, Name name)
            throws DohClient.Refused, DohClient.Unavailable, InterruptedException, IOException {
        Message query = Message.newQuery(Record.newRecord(name, Type.A, DClass.IN));
        query.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        return new Message(doh.resolve(query.toWire(), user));
    }

    static List<ExtendedErrorCodeOption> extendedErrors(Message answer) {
        OPTRecord opt = answer.getOPT();
        if (opt == null) {
            return List.of();
        }
        return opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR).stream()
                .filter(ExtendedErrorCodeOption.class::isInstance).map(ExtendedErrorCodeOption.class::cast).toList();
    }
}
