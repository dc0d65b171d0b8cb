/**
 * Deadlines, cancellation and retries for every call the drill makes. A call gets an AbortSignal
 * that fires at its deadline or when the drill is interrupted, whichever is first, and the call's
 * promise loses the race either way, so no endpoint can hold the drill longer than its deadline.
 */

/** The operator (or the runner) interrupted the drill with SIGINT or SIGTERM. */
export class Interrupted extends Error {
    constructor(readonly signalName = "SIGINT") {
        super(`interrupted by ${signalName}`);
        this.name = "Interrupted";
    }
}

/** A call or a phase ran past its deadline. */
export class DeadlineExceeded extends Error {
    constructor(
        readonly what: string,
        readonly ms: number,
    ) {
        super(`${what}: no answer within ${ms / 1000}s (deadline)`);
        this.name = "DeadlineExceeded";
    }
}

function reasonOf(signal: AbortSignal): Error {
    const r: unknown = signal.reason;
    return r instanceof Error ? r : new Interrupted();
}

/** Sleep that ends early (rejecting with the signal's reason) when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(reasonOf(signal));
        const onAbort = () => {
            clearTimeout(timer);
            reject(reasonOf(signal!));
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}

/**
 * Run `fn` with a signal that aborts after `ms` or when `parent` aborts; reject with
 * DeadlineExceeded (or the parent's reason) even when `fn` ignores its signal.
 */
export async function withDeadline<T>(
    what: string,
    ms: number,
    fn: (signal: AbortSignal) => Promise<T>,
    parent?: AbortSignal,
): Promise<T> {
    if (parent?.aborted) throw reasonOf(parent);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let onParent: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            const e = new DeadlineExceeded(what, ms);
            controller.abort(e);
            reject(e);
        }, ms);
        onParent = () => {
            const e = reasonOf(parent!);
            controller.abort(e);
            reject(e);
        };
        parent?.addEventListener("abort", onParent, { once: true });
    });
    try {
        return await Promise.race([fn(controller.signal), stop]);
    } finally {
        clearTimeout(timer);
        if (onParent) parent?.removeEventListener("abort", onParent);
    }
}

export interface RetryOptions {
    /** Attempts in all. @default 5 */
    readonly attempts?: number;
    /** First wait; doubles each time. @default 500 */
    readonly baseMs?: number;
    /** Longest wait. @default 8000 */
    readonly maxMs?: number;
    readonly onRetry?: (attempt: number, error: Error, waitMs: number) => void;
}

/** Retry with exponential backoff (undo paths: they must not give up on the first error). */
export async function retry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
    const attempts = opts.attempts ?? 5;
    let wait = opts.baseMs ?? 500;
    for (let i = 1; ; i++) {
        try {
            return await fn();
        } catch (e) {
            if (i >= attempts) throw e;
            opts.onRetry?.(i, e as Error, wait);
            await sleep(wait);
            wait = Math.min(wait * 2, opts.maxMs ?? 8000);
        }
    }
}
