package dev.parapet.diagnostics.querylog;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A store that passes every call to another, for tests that change one answer. */
class ForwardingStore implements ObjectStore {

    private final ObjectStore delegate;

    ForwardingStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public List<Listed> list(String prefix, String startAfter) {
        return delegate.list(prefix, startAfter);
    }

    @Override
    public Optional<byte[]> read(String key) {
        return delegate.read(key);
    }

    @Override
    public boolean create(String key, byte[] content) {
        return delegate.create(key, content);
    }

    @Override
    public Listed publish(Path file, String key) {
        return delegate.publish(file, key);
    }

    @Override
    public void download(Listed object, Path target) throws Vanished {
        delegate.download(object, target);
    }

    @Override
    public List<String> children(String prefix) {
        return delegate.children(prefix);
    }

    @Override
    public Path temporary(String key) {
        return delegate.temporary(key);
    }

    @Override
    public void write(String key, byte[] content) {
        delegate.write(key, content);
    }

    @Override
    public Path local(Listed object) throws Vanished {
        return delegate.local(object);
    }

    @Override
    public List<Path> local(List<Listed> objects) throws Vanished {
        return delegate.local(objects);
    }

    @Override
    public long deleteAll(String prefix) {
        return delegate.deleteAll(prefix);
    }

    @Override
    public void forget(String prefix) {
        delegate.forget(prefix);
    }

    @Override
    public void move(String from, String to) {
        delegate.move(from, to);
    }

    @Override
    public Optional<Hold> tryHold(String key, java.time.Duration wait) {
        return delegate.tryHold(key, wait);
    }

    @Override
    public void delete(String key) {
        delegate.delete(key);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
