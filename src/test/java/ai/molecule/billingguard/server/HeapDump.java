package ai.molecule.billingguard.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Just enough of an HPROF reader (the format {@code HotSpotDiagnosticMXBean.dumpHeap} writes) to say
 * which objects hold the primitive array that covers a given byte of the dump: the array's type and
 * length, then the classes of its holders, level by level. Used to tell where a string found in a
 * heap dump lives (a {@code String}, a cache record, an I/O buffer).
 */
final class HeapDump {
    private static final int UTF8 = 0x01;
    private static final int LOAD_CLASS = 0x02;
    private static final int HEAP_DUMP = 0x0c;
    private static final int HEAP_DUMP_SEGMENT = 0x1c;
    private static final int CLASS_DUMP = 0x20;
    private static final int INSTANCE_DUMP = 0x21;
    private static final int OBJECT_ARRAY_DUMP = 0x22;
    private static final int PRIMITIVE_ARRAY_DUMP = 0x23;
    private static final int OBJECT = 2;

    /** What holds one array, level by level: level 0 is the array's direct holders. */
    record Finding(String array, List<Set<String>> holders, boolean rootHeld) {
        Set<String> all() {
            Set<String> all = new LinkedHashSet<>();
            holders.forEach(all::addAll);
            return all;
        }

        @Override
        public String toString() {
            return array + (rootHeld ? " (held from a thread stack or JNI)" : "") + " <- " + holders;
        }
    }

    private final ByteBuffer dump;
    private final int idSize;
    private final Map<Long, String> names = new HashMap<>();
    private final Map<Long, Long> classNameIds = new HashMap<>();
    private final Map<Long, Long> supers = new HashMap<>();
    private final Map<Long, byte[]> ownFieldTypes = new HashMap<>();
    private final Map<Long, int[]> referenceOffsets = new HashMap<>();
    private final Set<Long> roots = new HashSet<>();
    private final List<long[]> arrays = new ArrayList<>(); // {start, end, id, type, length}, in file order
    private long[] starts;
    private final Map<String, Finding> findings = new HashMap<>();

    private HeapDump(ByteBuffer dump) {
        this.dump = dump;
        while (dump.get() != 0) {
            // the format's name
        }
        this.idSize = dump.getInt();
        dump.getLong();
        index();
    }

    static HeapDump read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return new HeapDump(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()));
        }
    }

    /** The array covering byte {@code offset} of the dump, and its holders up to {@code depth} levels. */
    Optional<Finding> at(long offset, int depth) {
        int i = Arrays.binarySearch(starts, offset);
        int index = i >= 0 ? i : -i - 2;
        if (index < 0 || offset >= arrays.get(index)[1]) {
            return Optional.empty();
        }
        return Optional.of(findings.computeIfAbsent(index + "/" + depth, k -> find(arrays.get(index), depth)));
    }

    private Finding find(long[] array, int depth) {
        String described = typeName((int) array[3]) + "[" + array[4] + "]";
        List<Set<String>> levels = new ArrayList<>();
        Set<Long> frontier = Set.of(array[2]);
        boolean rootHeld = roots.contains(array[2]);
        for (int level = 0; level < depth && !frontier.isEmpty(); level++) {
            Map<Long, String> holders = holdersOf(frontier);
            levels.add(new LinkedHashSet<>(holders.values()));
            Set<Long> next = new HashSet<>();
            for (Long holder : holders.keySet()) {
                if (next.size() < 200) {
                    next.add(holder);
                }
            }
            frontier = next;
        }
        return new Finding(described, levels, rootHeld);
    }

    /** One pass: names, classes (their reference fields), roots, and where each primitive array lies. */
    private void index() {
        records(null, null);
        for (Long type : ownFieldTypes.keySet()) {
            List<Integer> offsets = new ArrayList<>();
            int at = 0;
            for (Long c = type; c != null && c != 0 && ownFieldTypes.containsKey(c); c = supers.get(c)) {
                for (byte t : ownFieldTypes.get(c)) {
                    if (t == OBJECT) {
                        offsets.add(at);
                    }
                    at += size(t);
                }
            }
            referenceOffsets.put(type, offsets.stream().mapToInt(Integer::intValue).toArray());
        }
        starts = arrays.stream().mapToLong(a -> a[0]).toArray();
    }

    /** The objects (id → class name) holding a reference to any of {@code targets}. */
    private Map<Long, String> holdersOf(Set<Long> targets) {
        Map<Long, String> holders = new HashMap<>();
        records(targets, holders);
        return holders;
    }

    /** Walks the dump's records: without {@code targets} to index it, with them to find their holders. */
    private void records(Set<Long> targets, Map<Long, String> holders) {
        ByteBuffer b = dump.duplicate();
        b.position(dump.position());
        while (b.hasRemaining()) {
            int tag = b.get() & 0xff;
            b.getInt();
            long length = b.getInt() & 0xffffffffL;
            int start = b.position();
            if (tag == UTF8 && targets == null) {
                long id = id(b);
                byte[] text = new byte[(int) (length - idSize)];
                b.get(text);
                names.put(id, new String(text, StandardCharsets.UTF_8));
            } else if (tag == LOAD_CLASS && targets == null) {
                b.getInt();
                long classId = id(b);
                b.getInt();
                classNameIds.put(classId, id(b));
            } else if (tag == HEAP_DUMP || tag == HEAP_DUMP_SEGMENT) {
                segment(b, start + length, targets, holders);
            }
            b.position(Math.toIntExact(start + length));
        }
    }

    /**
     * Walks one heap dump segment. Without {@code targets} it indexes (classes, roots, arrays); with
     * them it records in {@code holders} every instance, object array or class that references one.
     */
    private void segment(ByteBuffer b, long end, Set<Long> targets, Map<Long, String> holders) {
        boolean indexing = targets == null;
        while (b.position() < end) {
            int record = b.position();
            int sub = b.get() & 0xff;
            switch (sub) {
                case 0xff, 0x05, 0x07 -> root(id(b), indexing);
                case 0x01 -> {
                    root(id(b), indexing);
                    id(b);
                }
                case 0x02, 0x03, 0x08 -> {
                    root(id(b), indexing);
                    b.getInt();
                    b.getInt();
                }
                case 0x04, 0x06 -> {
                    root(id(b), indexing);
                    b.getInt();
                }
                case CLASS_DUMP -> classDump(b, indexing, targets, holders);
                case INSTANCE_DUMP -> {
                    long id = id(b);
                    b.getInt();
                    long type = id(b);
                    int length = b.getInt();
                    int data = b.position();
                    if (!indexing) {
                        for (int offset : referenceOffsets.getOrDefault(type, new int[0])) {
                            if (offset + idSize <= length && targets.contains(idAt(b, data + offset))) {
                                holders.put(id, className(type));
                            }
                        }
                    }
                    b.position(data + length);
                }
                case OBJECT_ARRAY_DUMP -> {
                    long id = id(b);
                    b.getInt();
                    int count = b.getInt();
                    long type = id(b);
                    for (int i = 0; i < count; i++) {
                        long element = id(b);
                        if (!indexing && targets.contains(element)) {
                            holders.put(id, className(type));
                        }
                    }
                }
                case PRIMITIVE_ARRAY_DUMP -> {
                    long id = id(b);
                    b.getInt();
                    int count = b.getInt();
                    int type = b.get();
                    int bytes = count * size(type);
                    if (indexing) {
                        arrays.add(new long[] {record, b.position() + bytes, id, type, count});
                    }
                    b.position(b.position() + bytes);
                }
                default -> throw new IllegalStateException("HPROF sub-record 0x" + Integer.toHexString(sub) + " at " + record);
            }
        }
    }

    private void classDump(ByteBuffer b, boolean indexing, Set<Long> targets, Map<Long, String> holders) {
        long id = id(b);
        b.getInt();
        long superId = id(b);
        for (int i = 0; i < 5; i++) {
            id(b); // loader, signers, protection domain, two reserved
        }
        b.getInt();
        int constants = b.getShort() & 0xffff;
        for (int i = 0; i < constants; i++) {
            b.getShort();
            value(b, b.get(), id, targets, holders);
        }
        int statics = b.getShort() & 0xffff;
        for (int i = 0; i < statics; i++) {
            id(b);
            value(b, b.get(), id, targets, holders);
        }
        int fields = b.getShort() & 0xffff;
        byte[] types = new byte[fields];
        for (int i = 0; i < fields; i++) {
            id(b);
            types[i] = b.get();
        }
        if (indexing) {
            supers.put(id, superId);
            ownFieldTypes.put(id, types);
        }
    }

    private void value(ByteBuffer b, int type, long owner, Set<Long> targets, Map<Long, String> holders) {
        if (type == OBJECT) {
            long value = id(b);
            if (targets != null && targets.contains(value)) {
                holders.put(owner, "class " + className(owner));
            }
        } else {
            b.position(b.position() + size(type));
        }
    }

    private void root(long id, boolean indexing) {
        if (indexing) {
            roots.add(id);
        }
    }

    private String className(long classId) {
        Long name = classNameIds.get(classId);
        return name == null ? "?" : names.getOrDefault(name, "?").replace('/', '.');
    }

    private long id(ByteBuffer b) {
        return idSize == 8 ? b.getLong() : b.getInt() & 0xffffffffL;
    }

    private long idAt(ByteBuffer b, int at) {
        return idSize == 8 ? b.getLong(at) : b.getInt(at) & 0xffffffffL;
    }

    private int size(int type) {
        return switch (type) {
            case OBJECT -> idSize;
            case 4, 8 -> 1;
            case 5, 9 -> 2;
            case 6, 10 -> 4;
            case 7, 11 -> 8;
            default -> throw new IllegalStateException("HPROF basic type " + type);
        };
    }

    private static String typeName(int type) {
        return switch (type) {
            case 4 -> "boolean";
            case 5 -> "char";
            case 6 -> "float";
            case 7 -> "double";
            case 8 -> "byte";
            case 9 -> "short";
            case 10 -> "int";
            default -> "long";
        };
    }
}
