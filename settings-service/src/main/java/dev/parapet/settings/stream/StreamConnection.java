package dev.parapet.settings.stream;

import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

/**
 * What a configuration stream needs of the agent's connection.
 *
 * @param thread   runs tasks on the thread that writes to the connection (its event loop), where
 *                 changes are then pushed; {@code Runnable::run} pushes them from the fan-out thread
 * @param writable whether the connection takes more now: false once the bytes it has not yet sent
 *                 pass its high-water mark (Netty's, 64 KiB), so that a slow agent is not sent more
 *                 until it has read what it was sent
 * @param buffers  wraps the shared frames for writing to it
 */
public record StreamConnection(Executor thread, BooleanSupplier writable, DataBufferFactory buffers) {

    /** A connection of unknown kind: pushed from the fan-out thread, always writable. */
    public static StreamConnection direct() {
        return new StreamConnection(Runnable::run, () -> true, DefaultDataBufferFactory.sharedInstance);
    }
}
