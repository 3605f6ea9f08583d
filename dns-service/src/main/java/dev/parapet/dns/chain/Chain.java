package dev.parapet.dns.chain;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Stages joined in order: each stage's {@link Stage.Next} is the rest of the chain, linked once here
 * (nothing is allocated per query to walk it). A query that runs past the last stage fails, which the
 * entry point answers with SERVFAIL: the last stage is expected to answer.
 */
public final class Chain implements Stage.Next {

    private final List<Stage> stages;
    private final Stage.Next first;

    private Chain(List<Stage> stages) {
        this.stages = List.copyOf(stages);
        Stage.Next next = query -> CompletableFuture.failedFuture(new IllegalStateException("no stage answered"));
        for (int i = stages.size() - 1; i >= 0; i--) {
            Stage stage = stages.get(i);
            Stage.Next rest = next;
            next = query -> stage.handle(query, rest);
        }
        this.first = next;
    }

    public static Chain of(Stage... stages) {
        return new Chain(List.of(stages));
    }

    @Override
    public java.util.concurrent.CompletionStage<Answer> handle(Query query) {
        return first.handle(query);
    }

    /** The stages' class names in order (for the docs' picture and its test). */
    public List<String> names() {
        return stages.stream().map(stage -> stage.getClass().getSimpleName()).toList();
    }
}
