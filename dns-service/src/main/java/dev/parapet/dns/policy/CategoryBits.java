package dev.parapet.dns.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/**
 * One bit per category id, assigned on first sight and never changed, so that the category index
 * (a bit mask per domain) and compiled policies (a mask of selected categories) agree without
 * rebuilding either when the other changes. 64 categories at most; the catalogue has 13.
 */
@Component
public class CategoryBits {

    private final Map<String, Integer> bits = new ConcurrentHashMap<>();
    private final List<String> ids = new ArrayList<>();

    /** The bit of a category, assigned if new; -1 when all 64 are taken. */
    public synchronized int bitOf(String categoryId) {
        Integer bit = bits.get(categoryId);
        if (bit != null) {
            return bit;
        }
        if (ids.size() == Long.SIZE) {
            return -1;
        }
        ids.add(categoryId);
        bits.put(categoryId, ids.size() - 1);
        return ids.size() - 1;
    }

    public long maskOf(Iterable<String> categoryIds) {
        long mask = 0;
        for (String id : categoryIds) {
            int bit = bitOf(id);
            if (bit >= 0) {
                mask |= 1L << bit;
            }
        }
        return mask;
    }

    /** The category ids of a mask, in bit order. */
    public synchronized List<String> idsOf(long mask) {
        List<String> out = new ArrayList<>(Long.bitCount(mask));
        for (int bit = 0; bit < ids.size(); bit++) {
            if ((mask & (1L << bit)) != 0) {
                out.add(ids.get(bit));
            }
        }
        return out;
    }
}
