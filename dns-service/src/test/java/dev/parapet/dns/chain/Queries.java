package dev.parapet.dns.chain;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.resolve.Client;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.AdvancedSecurity;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.verdicts.Transport;

/** Queries, snapshots and the rest of a chain for the stages' tests: no Kafka, no Spring, no sockets. */
final class Queries {

    static final UUID ACCOUNT = UUID.fromString("00000000-0000-0000-0000-0000000000a1");
    static final UUID OFFICE = UUID.fromString("00000000-0000-0000-0000-0000000000b1");
    static final String OFFICE_RANGE = "192.0.2.0/24";
    static final InetAddress IN_OFFICE = address("192.0.2.10");
    static final InetAddress ELSEWHERE = address("198.51.100.10");

    private Queries() {
    }

    static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Location office() {
        return Location.newBuilder().setAccountId(ACCOUNT).setLocationId(OFFICE).setName("Office").setVersion(1)
                .setCidrs(List.of(OFFICE_RANGE)).setUpdatedBy("test").setUpdatedAt(Instant.EPOCH).build();
    }

    /** The office's account with these policies (and IP exceptions, if any). */
    static Snapshot snapshot(List<String> ipExceptions, Policy... policies) {
        List<AccountExceptions> exceptions = ipExceptions.isEmpty() ? List.of() : List.of(AccountExceptions.newBuilder()
                .setAccountId(ACCOUNT).setVersion(1).setIpRanges(ipExceptions).setUpdatedBy("test").setUpdatedAt(Instant.EPOCH).build());
        return Snapshot.of(List.of(office()), exceptions, List.of(policies), List.of());
    }

    static Snapshot snapshot(Policy... policies) {
        return snapshot(List.of(), policies);
    }

    static Policy blockList(String... blocked) {
        return policy(PolicyType.BLOCK_ALLOW_LIST).setBlockAllowList(new BlockAllowList(List.of(blocked), List.of())).build();
    }

    static Policy allowList(String... allowed) {
        return policy(PolicyType.BLOCK_ALLOW_LIST).setBlockAllowList(new BlockAllowList(List.of(), List.of(allowed))).build();
    }

    static Policy safeSearch() {
        return policy(PolicyType.ADVANCED_SECURITY).setAdvancedSecurity(new AdvancedSecurity(true, false, false)).build();
    }

    private static Policy.Builder policy(PolicyType type) {
        return Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName("Office " + type).setType(type)
                .setPriority(100).setEnabled(true).setScope(new Scope(true, List.of(), List.of(), List.of())).setVersion(1)
                .setUpdatedBy("test").setUpdatedAt(Instant.EPOCH);
    }

    /** A query packet, with EDNS or without. */
    static byte[] packet(String name, int type, boolean edns) {
        try {
            Message message = Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, DClass.IN));
            message.getHeader().setID(0x4242);
            if (edns) {
                message.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
            }
            return message.toWire();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A parsed query from the office over UDP, with EDNS. */
    static Query query(String name, int type) {
        return query(name, type, Client.of(IN_OFFICE, Transport.UDP));
    }

    static Query query(String name, int type, Client client) {
        try {
            return new Parser().parse(packet(name, type, true), client, System.nanoTime());
        } catch (Parser.Unanswerable e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A query attributed to the office and decided by the snapshot, as the stages before a stage leave it. */
    static Query decided(Snapshot snapshot, String name, int type) {
        Query query = query(name, type);
        query.attribute(snapshot, snapshot.locate(IN_OFFICE).orElseThrow());
        query.verdict(snapshot.decide(query.who(), query.nameBytes(), query.nameBytes().length));
        return query;
    }

    /** An upstream answer to a question, with these records in its answer section. */
    static Message upstreamAnswer(Record question, Record... answers) {
        Message answer = new Message();
        answer.getHeader().setFlag(Flags.QR);
        answer.getHeader().setRcode(Rcode.NOERROR);
        answer.addRecord(question, Section.QUESTION);
        for (Record record : answers) {
            answer.addRecord(record, Section.ANSWER);
        }
        return answer;
    }

    /** The rest of a chain that answers with what it is given and remembers what it was asked. */
    static final class Rest implements Stage.Next {

        final List<Record> asked = new ArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        private final java.util.function.Function<Query, Answer> answers;

        Rest(java.util.function.Function<Query, Answer> answers) {
            this.answers = answers;
        }

        static Rest answering(Record... records) {
            return new Rest(query -> Answer.upstream(upstreamAnswer(query.lookup(), records)));
        }

        static Rest failing() {
            return new Rest(query -> Answer.upstream(null));
        }

        @Override
        public CompletableFuture<Answer> handle(Query query) {
            calls.incrementAndGet();
            asked.add(query.lookup());
            return CompletableFuture.completedFuture(answers.apply(query));
        }
    }

    /** A response of our own as the client reads it, whether made as bytes or by dnsjava. */
    static Message response(Answer answer) {
        try {
            return answer.wire() != null ? new Message(answer.wire()) : answer.response();
        } catch (java.io.IOException e) {
            throw new AssertionError("an answer dnsjava cannot read", e);
        }
    }

    static Answer run(Stage stage, Query query, Stage.Next rest) {
        return stage.handle(query, rest).toCompletableFuture().join();
    }
}
