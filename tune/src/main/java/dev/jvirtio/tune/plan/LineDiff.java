package dev.jvirtio.tune.plan;

import java.util.ArrayList;
import java.util.List;

/** The difference of two texts line by line, as a person reads a patch. */
public final class LineDiff {

    /** Above this many line pairs the texts are shown as all removed and all added. */
    private static final long MAX_CELLS = 4_000_000;

    private LineDiff() {
    }

    /**
     * The unified difference of {@code before} and {@code after}: each line starts with
     * {@code ' '} (kept, as context), {@code '-'} (removed) or {@code '+'} (added); hunks start
     * with {@code "@@ line N @@"} (N counts lines of {@code after} from 1). Empty when the texts
     * have the same lines.
     *
     * @param context how many kept lines to show around each change
     */
    public static List<String> unified(String before, String after, int context) {
        List<String> a = before.isEmpty() ? List.of() : before.lines().toList();
        List<String> b = after.isEmpty() ? List.of() : after.lines().toList();
        List<String> ops = edits(a, b);
        List<String> out = new ArrayList<>();
        int n = ops.size();
        boolean[] shown = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (ops.get(i).charAt(0) != ' ') {
                for (int k = Math.max(0, i - context); k <= Math.min(n - 1, i + context); k++) {
                    shown[k] = true;
                }
            }
        }
        int afterLine = 0;
        boolean inHunk = false;
        for (int i = 0; i < n; i++) {
            char op = ops.get(i).charAt(0);
            if (op != '-') {
                afterLine++;
            }
            if (!shown[i]) {
                inHunk = false;
                continue;
            }
            if (!inHunk) {
                out.add("@@ line " + Math.max(1, op == '-' ? afterLine + 1 : afterLine) + " @@");
                inHunk = true;
            }
            out.add(ops.get(i));
        }
        return out;
    }

    /** Every line of both texts as kept, removed or added, in order (longest common subsequence). */
    private static List<String> edits(List<String> a, List<String> b) {
        List<String> ops = new ArrayList<>();
        if ((long) a.size() * b.size() > MAX_CELLS) {
            a.forEach(line -> ops.add("-" + line));
            b.forEach(line -> ops.add("+" + line));
            return ops;
        }
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                ops.add(" " + a.get(i));
                i++;
                j++;
            } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.add("-" + a.get(i));
                i++;
            } else {
                ops.add("+" + b.get(j));
                j++;
            }
        }
        return ops;
    }
}
