/**
 * "Did you mean" suggestions for misspelled names (config keys, namespaces), by edit distance.
 *
 * The distance comes from `fastest-levenshtein` (1.0.16, a pinned dependency with its own types).
 */
import { distance } from "fastest-levenshtein";

/** Edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
    return distance(a, b);
}

/**
 * The candidate closest to `name` when it is close enough to be a typo: at most a third of the longer
 * name's length (at least 1, at most 3) edits away, case-insensitively. Ties go to the earlier candidate.
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = editDistance(name.toLowerCase(), c.toLowerCase());
        const limit = Math.min(3, Math.max(1, Math.floor(Math.max(name.length, c.length) / 3)));
        if (d <= limit && d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

/** ` (did you mean x?)` or an empty string. */
export function didYouMean(name: string, candidates: readonly string[]): string {
    const c = closest(name, candidates);
    return c === undefined ? "" : ` (did you mean ${c}?)`;
}
