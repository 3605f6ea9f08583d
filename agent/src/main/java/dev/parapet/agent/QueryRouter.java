package dev.parapet.agent;

import java.io.IOException;
import java.util.Optional;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * What the stub does with one query, in order: refuse what is not a query (FORMERR, NOTIMP, or
 * silence for responses and runts), send to the system resolver what Parapet must not see (domain
 * exceptions) or cannot filter (agent disabled or revoked), and send the rest over DoH. A DoH 401
 * revokes the agent at once and the query is answered as a revoked agent answers; an unreachable
 * dns-service gets SERVFAIL (fail closed: the agent never quietly resolves around Parapet while it
 * claims protection). Nothing a packet holds can throw out of here.
 */
public final class QueryRouter implements DnsStub.Handler {

    /** What the router needs to know and to tell, implemented by the running agent. */
    public interface Context {
        /** Enabled and not revoked: queries go to Parapet. */
        boolean filtering();

        DomainExceptions exceptions();

        /** The signed-in user's access token, which dns-service verifies to attribute queries to them, or null. */
        String userToken();

        void dohRefused(String why);

        void dohFailed(String why);

        void dohAnswered();

        void systemResolverFailed(String why);
    }

    public enum Route { SYSTEM_RESOLVER, PARAPET }

    private final Context context;
    private final DohClient doh;
    private final SystemResolver system;

    public QueryRouter(Context context, DohClient doh, SystemResolver system) {
        this.context = context;
        this.doh = doh;
        this.system = system;
    }

    @Override
    public Optional<byte[]> answer(byte[] packet, boolean tcp) {
        if (packet.length < 12) {
            return Optional.empty();
        }
        Message query;
        try {
            query = new Message(packet);
        } catch (IOException | RuntimeException e) {
            return (packet[2] & 0x80) != 0 ? Optional.empty() : Optional.of(DnsMessages.formErrFromHeader(packet));
        }
        if (query.getHeader().getFlag(Flags.QR)) {
            return Optional.empty();
        }
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            return Optional.of(DnsMessages.error(query, Rcode.NOTIMP));
        }
        if (query.getHeader().getCount(Section.QUESTION) != 1 || query.getHeader().getCount(Section.ANSWER) != 0) {
            return Optional.of(DnsMessages.error(query, Rcode.FORMERR));
        }
        byte[] answer = resolve(query, packet, tcp);
        return Optional.of(tcp ? answer : DnsMessages.fitUdp(query, answer));
    }

    /** Where this query goes now. */
    public Route route(Message query) {
        if (!context.filtering() || context.exceptions().covers(query.getQuestion().getName().toString())) {
            return Route.SYSTEM_RESOLVER;
        }
        return Route.PARAPET;
    }

    private byte[] resolve(Message query, byte[] packet, boolean tcp) {
        if (route(query) == Route.PARAPET) {
            try {
                byte[] answer = doh.resolve(packet, context.userToken());
                if (!answers(query, answer)) {
                    context.dohFailed("dns-service sent an answer that does not match the query");
                    return DnsMessages.error(query, Rcode.SERVFAIL);
                }
                context.dohAnswered();
                return answer;
            } catch (DohClient.Refused e) {
                context.dohRefused(e.getMessage());
                if (context.filtering()) {
                    return DnsMessages.error(query, Rcode.SERVFAIL);
                }
            } catch (DohClient.Unavailable e) {
                context.dohFailed(e.getMessage());
                return DnsMessages.error(query, Rcode.SERVFAIL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return DnsMessages.error(query, Rcode.SERVFAIL);
            }
        }
        try {
            return system.resolve(packet, tcp);
        } catch (IOException e) {
            context.systemResolverFailed(e.getMessage());
            return DnsMessages.error(query, Rcode.SERVFAIL);
        }
    }

    /** An answer to this very question: DoH is trusted for its content, not for its shape. */
    private static boolean answers(Message query, byte[] bytes) {
        try {
            Message answer = new Message(bytes);
            return answer.getHeader().getFlag(Flags.QR) && answer.getQuestion() != null
                    && answer.getQuestion().getName().equals(query.getQuestion().getName())
                    && answer.getQuestion().getType() == query.getQuestion().getType();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
